// Futex wait, wake and waitv (filled in below the milestone).
#include "internal.hpp"

namespace ringport::hosted {

void futex_attach_locked(Ring&, Op*) {}
void futex_detach_locked(Ring&, Op*) {}
void futex_stop_all(Ring&) {}

} // namespace ringport::hosted
