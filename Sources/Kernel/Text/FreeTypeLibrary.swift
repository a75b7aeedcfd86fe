import CFreeType
import KernelSupport

/// FreeType in the kernel: a library with only the sfnt, truetype and smooth
/// modules registered, and the embedded DejaVu Sans Mono faces opened from memory.
enum FreeTypeLibrary {
    static var library: FT_Library? = nil
    static var memory = FT_MemoryRec_(
        user: nil,
        alloc: { _, size in malloc(Int(size)) },
        free: { _, block in free(block) },
        realloc: { _, _, newSize, block in realloc(block, Int(newSize)) })

    enum Failure: Error {
        case freeType(FT_Error)
    }

    /// Creates the library and registers the three modules Lumen needs.
    static func start() throws(Failure) {
        var created: FT_Library? = nil
        var error = FT_New_Library(&memory, &created)
        guard error == 0, let created else { throw .freeType(error) }
        for module in [lumen_ft_module_sfnt(), lumen_ft_module_truetype(), lumen_ft_module_smooth()] {
            error = FT_Add_Module(created, module!.assumingMemoryBound(to: FT_Module_Class.self))
            guard error == 0 else { throw .freeType(error) }
        }
        library = created
    }

    static var version: String {
        guard let library else { return "not started" }
        var major: FT_Int = 0, minor: FT_Int = 0, patch: FT_Int = 0
        FT_Library_Version(library, &major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }

    /// Opens embedded face `style` (0 regular … 3 bold oblique).
    static func openFace(style: Int32) throws(Failure) -> FT_Face {
        var size = 0
        let data = lumen_font_data(style, &size)
        var face: FT_Face? = nil
        let error = FT_New_Memory_Face(library, data, FT_Long(size), 0, &face)
        guard error == 0, let face else { throw .freeType(error) }
        return face
    }

    static func familyName(of face: FT_Face) -> String {
        guard let family = face.pointee.family_name else { return "?" }
        var name = String(cString: family)
        if let style = face.pointee.style_name { name += " " + String(cString: style) }
        return name
    }

    static func message(_ failure: Failure) -> String {
        switch failure {
        case .freeType(let code): return "FreeType error \(code)"
        }
    }
}
