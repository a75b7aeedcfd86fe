// libfreetype.a (Debian) is built with PNG support for colour emoji bitmaps
// (sbix/CBDT). Lumen's fonts have none, so libpng is not linked: creating a PNG
// reader fails, FreeType reports an error for that glyph, and nothing else of
// libpng can be reached. The other entry points exist only to satisfy the linker.
#include <stddef.h>

void *png_create_read_struct(const char *version, void *error_ptr, void *error_fn, void *warn_fn) {
    (void)version; (void)error_ptr; (void)error_fn; (void)warn_fn;
    return NULL;
}

#define LUMEN_UNREACHABLE_PNG(name) void *name(void) { return NULL; }
LUMEN_UNREACHABLE_PNG(png_create_info_struct)
LUMEN_UNREACHABLE_PNG(png_destroy_read_struct)
LUMEN_UNREACHABLE_PNG(png_error)
LUMEN_UNREACHABLE_PNG(png_get_IHDR)
LUMEN_UNREACHABLE_PNG(png_get_error_ptr)
LUMEN_UNREACHABLE_PNG(png_get_io_ptr)
LUMEN_UNREACHABLE_PNG(png_get_valid)
LUMEN_UNREACHABLE_PNG(png_read_end)
LUMEN_UNREACHABLE_PNG(png_read_image)
LUMEN_UNREACHABLE_PNG(png_read_info)
LUMEN_UNREACHABLE_PNG(png_read_update_info)
LUMEN_UNREACHABLE_PNG(png_set_expand_gray_1_2_4_to_8)
LUMEN_UNREACHABLE_PNG(png_set_filler)
LUMEN_UNREACHABLE_PNG(png_set_gray_to_rgb)
LUMEN_UNREACHABLE_PNG(png_set_interlace_handling)
LUMEN_UNREACHABLE_PNG(png_set_longjmp_fn)
LUMEN_UNREACHABLE_PNG(png_set_packing)
LUMEN_UNREACHABLE_PNG(png_set_palette_to_rgb)
LUMEN_UNREACHABLE_PNG(png_set_read_fn)
LUMEN_UNREACHABLE_PNG(png_set_read_user_transform_fn)
LUMEN_UNREACHABLE_PNG(png_set_strip_16)
LUMEN_UNREACHABLE_PNG(png_set_tRNS_to_alpha)
