// The console fonts, embedded in the image. scripts/build-kernel generates
// lumen_fonts.inc with `.incbin` lines pointing at Debian's fonts-dejavu-core files
// (see fonts/README.md); nothing third-party is committed.
.section .rodata.fonts, "a"
#include "lumen_fonts.inc"
