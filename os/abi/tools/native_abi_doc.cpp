// Checks docs/native-abi.md's opcode table against the argument conventions in code (native_ops.hpp): every
// standard opcode has its row, at its number and name, and the row's argument column names exactly the fields
// the table says the opcode uses (a directory fd called a dirfd). `make check` runs it; a difference fails.
#include <ringport/native_ops.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using ringport::native::Arg;
using ringport::native::kOpArgs;

namespace {

std::string trim(const std::string& s)
{
	size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
	return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// Splits a markdown row on unescaped '|'.
std::vector<std::string> cells(const std::string& line)
{
	std::vector<std::string> out;
	std::string cur;
	for (size_t i = 0; i < line.size(); ++i) {
		if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
			cur += '|';
			++i;
		} else if (line[i] == '|') {
			out.push_back(trim(cur));
			cur.clear();
		} else {
			cur += line[i];
		}
	}
	return out;
}

const char* const kFields[] = {"fd", "addr", "len", "offset", "a1", "a2", "flags"};

} // namespace

int main(int argc, char** argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: %s docs/native-abi.md\n", argv[0]);
		return 2;
	}
	std::ifstream in(argv[1]);
	if (!in) {
		std::fprintf(stderr, "native_abi_doc: cannot read %s\n", argv[1]);
		return 2;
	}
	std::vector<bool> seen(RP_OP_STANDARD_COUNT, false);
	int bad = 0;
	std::string line;
	while (std::getline(in, line)) {
		std::vector<std::string> c = cells(line);
		// | # | `NAME` | arguments | result | how |  ->  "", "#", "`NAME`", args, ...
		if (c.size() < 6 || c[2].size() < 3 || c[2][0] != '`' || c[1].empty() || !std::isdigit((unsigned char)c[1][0]))
			continue;
		unsigned op = unsigned(std::stoul(c[1]));
		std::string name = c[2].substr(1, c[2].size() - 2);
		if (op >= RP_OP_STANDARD_COUNT || std::strcmp(kOpArgs[op].name, name.c_str()) != 0)
			continue; // another table (header offsets, flags)
		seen[op] = true;
		const auto& a = kOpArgs[op];
		const Arg roles[] = {a.fd, a.addr, a.len, a.offset, a.a1, a.a2, a.flags ? Arg::value : Arg::unused};
		std::set<std::string> doc;
		std::string dirfd_fields;
		std::stringstream ss(c[3]);
		std::string tok;
		while (std::getline(ss, tok, ',')) {
			tok = trim(tok);
			size_t end = tok.find_first_of("= (");
			std::string head = tok.substr(0, end);
			for (const char* f : kFields)
				if (head == f) {
					doc.insert(head);
					if (tok.find("dirfd") != std::string::npos)
						dirfd_fields += head + " ";
				}
		}
		for (int i = 0; i < 7; ++i) {
			const std::string f = kFields[i];
			if (roles[i] == Arg::varies)
				continue; // explained elsewhere (Futex)
			bool used = roles[i] != Arg::unused;
			if (used != (doc.count(f) != 0)) {
				std::fprintf(stderr, "docs/native-abi.md: %s: field %s is %s in native_ops.hpp but %s in the doc\n",
				             a.name, f.c_str(), used ? "used" : "unused", doc.count(f) ? "listed" : "not listed");
				++bad;
			}
			bool dirfd = roles[i] == Arg::dirfd, doc_dirfd = dirfd_fields.find(f + " ") != std::string::npos;
			if (dirfd != doc_dirfd) {
				std::fprintf(stderr, "docs/native-abi.md: %s: field %s is %sa directory fd in native_ops.hpp\n",
				             a.name, f.c_str(), dirfd ? "" : "not ");
				++bad;
			}
		}
	}
	for (unsigned op = 0; op < RP_OP_STANDARD_COUNT; ++op)
		if (!seen[op]) {
			std::fprintf(stderr, "docs/native-abi.md: no row for %u %s\n", op, kOpArgs[op].name);
			++bad;
		}
	if (bad) {
		std::fprintf(stderr, "native_abi_doc: %d difference(s) between docs/native-abi.md and native_ops.hpp\n", bad);
		return 1;
	}
	std::printf("native_abi_doc: docs/native-abi.md agrees with native_ops.hpp (%u opcodes)\n",
	            unsigned(RP_OP_STANDARD_COUNT));
	return 0;
}
