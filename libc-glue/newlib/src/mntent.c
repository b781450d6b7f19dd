/*
 * <mntent.h>: reading and writing mount tables in the fstab(5) format, one entry per line: device, mount
 * point, type, options, then optional dump frequency and fsck pass (0 when absent); blank lines and lines
 * starting with '#' are skipped; a space, tab, newline or backslash inside a field is written as a 3-digit
 * octal escape (\040 ...). The reference kernel keeps no mount table (/proc/mounts, /etc/mtab do not
 * exist), so in practice setmntent() fails with ENOENT from open, which is what the caller reports.
 */
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

FILE *setmntent(const char *file, const char *mode)
{
	return fopen(file, mode);
}

int endmntent(FILE *stream)
{
	if (stream)
		fclose(stream);
	return 1; /* always 1 (glibc, the BSDs) */
}

/* Decodes the field starting at *p in place (octal escapes), NUL-terminates it and moves *p past it. */
static char *rp_mnt_field(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\t')
		++s;
	if (!*s)
		return NULL;
	char *start = s, *out = s;
	while (*s && *s != ' ' && *s != '\t') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	if (*s)
		++s;
	*out = '\0';
	*p = s;
	return start;
}

struct mntent *getmntent_r(FILE *__restrict stream, struct mntent *__restrict result, char *__restrict buffer,
			   int bufsize)
{
	if (!stream || !result || !buffer || bufsize <= 1)
		return NULL;
	for (;;) {
		if (!fgets(buffer, bufsize, stream))
			return NULL;
		size_t len = strlen(buffer);
		if (len && buffer[len - 1] == '\n') {
			buffer[--len] = '\0';
		} else if (!feof(stream)) {
			/* A line longer than the buffer: drop the rest of it, as glibc does, and use what fit. */
			int c;
			while ((c = getc(stream)) != EOF && c != '\n')
				;
		}
		char *p = buffer;
		while (*p == ' ' || *p == '\t')
			++p;
		if (*p == '\0' || *p == '#')
			continue;
		result->mnt_fsname = rp_mnt_field(&p);
		result->mnt_dir = rp_mnt_field(&p);
		result->mnt_type = rp_mnt_field(&p);
		result->mnt_opts = rp_mnt_field(&p);
		if (!result->mnt_dir)
			continue; /* a line with only a device names no mount: skipped */
		if (!result->mnt_type)
			result->mnt_type = (char *)"";
		if (!result->mnt_opts)
			result->mnt_opts = (char *)"";
		char *freq = rp_mnt_field(&p), *pass = rp_mnt_field(&p);
		result->mnt_freq = freq ? atoi(freq) : 0;
		result->mnt_passno = pass ? atoi(pass) : 0;
		return result;
	}
}

struct mntent *getmntent(FILE *stream)
{
	static struct mntent entry;
	static char line[4096];
	return getmntent_r(stream, &entry, line, sizeof line);
}

static int rp_mnt_put(FILE *stream, const char *field)
{
	for (const char *c = field; *c; ++c) {
		int r = (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\\') ? fprintf(stream, "\\%03o", (unsigned char)*c)
									       : putc(*c, stream);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* Appends one line; 0 on success, 1 on failure (glibc's convention). */
int addmntent(FILE *__restrict stream, const struct mntent *__restrict mnt)
{
	if (fseek(stream, 0, SEEK_END) != 0)
		return 1;
	const char *fields[4] = {mnt->mnt_fsname, mnt->mnt_dir, mnt->mnt_type, mnt->mnt_opts};
	for (int i = 0; i < 4; ++i)
		if (rp_mnt_put(stream, fields[i] ? fields[i] : "") != 0 || putc(' ', stream) == EOF)
			return 1;
	if (fprintf(stream, "%d %d\n", mnt->mnt_freq, mnt->mnt_passno) < 0)
		return 1;
	return fflush(stream) == 0 ? 0 : 1;
}

/* The option `opt` in the comma-separated list (alone or as "opt=value"), or NULL. */
char *hasmntopt(const struct mntent *mnt, const char *opt)
{
	size_t n = strlen(opt);
	for (char *p = mnt->mnt_opts; p && *p;) {
		if (strncmp(p, opt, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == '='))
			return p;
		p = strchr(p, ',');
		if (p)
			++p;
	}
	return NULL;
}
