// The keyboard layouts (assets/keymaps/*.map), embedded in the image with a
// table the kernel looks them up in by name. scripts/build-kernel generates
// lumen_keymaps.inc.
#include "lumen_keymaps.inc"
