// FreeType's public API for Swift. The host build finds the headers through
// pkg-config; the kernel build adds the arm64 sysroot's freetype2 folder.
#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_MODULE_H
#include FT_SYSTEM_H
