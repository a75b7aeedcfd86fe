import KernelSupport
import Text

/// FreeType in the kernel: one library with only the sfnt, truetype and smooth
/// modules, and the four embedded DejaVu Sans Mono faces opened from memory.
final class KernelFonts {
    let library: FontLibrary
    let fonts: FontSet

    init() throws(FontError) {
        let library = try FontLibrary(moduleClasses: [lumen_ft_module_sfnt()!, lumen_ft_module_truetype()!,
                                                      lumen_ft_module_smooth()!])
        self.library = library
        fonts = try FontSet(library: library) { style in
            var byteCount = 0
            guard let bytes = lumen_font_data(Int32(style.rawValue), &byteCount), byteCount > 0 else { return nil }
            return UnsafeRawBufferPointer(start: bytes, count: byteCount)
        }
    }
}
