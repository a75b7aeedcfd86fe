import CFreeType

/// One FreeType library (`FT_Library`): the module registry and the memory
/// allocator every face opened from it uses.
///
/// Memory comes from C `malloc`/`realloc`/`free` through an `FT_MemoryRec_`
/// owned by this object, in both builds.
///
/// Modules:
/// - **kernel**: pass the addresses of FreeType's `sfnt_module_class`,
///   `tt_driver_class` and `ft_smooth_renderer_class` (KernelSupport's
///   `lumen_ft_module_sfnt()`, `lumen_ft_module_truetype()`,
///   `lumen_ft_module_smooth()`), in that order (sfnt first: the TrueType driver
///   looks it up). Only those are registered, so the linker leaves every other
///   FreeType module out of the image. `nil` throws `.noModules` there: the
///   Embedded build never references `FT_Add_Default_Modules`, whose object file
///   would drag every module in.
/// - **host**: pass `nil` and every module FreeType was built with is
///   registered (`FT_Add_Default_Modules`).
///
/// The TrueType bytecode interpreter (library-wide, set once at creation):
/// `.v35` by default, see `TrueTypeInterpreter`.
///
/// Faces keep their library alive, so a library is destroyed (`FT_Done_Library`)
/// only after its last face.
public final class FontLibrary {
    /// The FreeType handle, for calls this module does not wrap.
    public let handle: FT_Library
    private let memory: UnsafeMutablePointer<FT_MemoryRec_>

    /// The interpreter glyphs are hinted with.
    public let interpreter: TrueTypeInterpreter

    /// Creates a library registering `moduleClasses` (each a pointer to an
    /// `FT_Module_Class`), or FreeType's default modules on the host when nil,
    /// with the TrueType driver's `interpreter-version` property set to
    /// `interpreter` (best effort: without a TrueType driver there is nothing to set).
    public init(moduleClasses: [UnsafeRawPointer]? = nil, interpreter: TrueTypeInterpreter = .v35) throws(FontError) {
        let memory = UnsafeMutablePointer<FT_MemoryRec_>.allocate(capacity: 1)
        memory.initialize(to: FT_MemoryRec_(
            user: nil,
            alloc: { _, size in malloc(Int(size)) },
            free: { _, block in free(block) },
            realloc: { _, _, newSize, block in realloc(block, Int(newSize)) }))
        var created: FT_Library? = nil
        let error = FT_New_Library(memory, &created)
        guard error == 0, let library = created else {
            memory.deallocate()
            throw .freeType(Int32(error))
        }
        do throws(FontError) {
            try Self.addModules(moduleClasses, to: library)
        } catch {
            FT_Done_Library(library)
            memory.deallocate()
            throw error
        }
        var version = FT_UInt(interpreter.rawValue)
        _ = FT_Property_Set(library, "truetype", "interpreter-version", &version)
        self.handle = library
        self.memory = memory
        self.interpreter = interpreter
    }

    private static func addModules(_ classes: [UnsafeRawPointer]?, to library: FT_Library) throws(FontError) {
        guard let classes, !classes.isEmpty else {
            #if hasFeature(Embedded)
            throw .noModules
            #else
            FT_Add_Default_Modules(library)
            return
            #endif
        }
        for moduleClass in classes {
            let error = FT_Add_Module(library, moduleClass.assumingMemoryBound(to: FT_Module_Class.self))
            if error != 0 { throw .freeType(Int32(error)) }
        }
    }

    deinit {
        FT_Done_Library(handle)
        memory.deallocate()
    }

    /// FreeType's version, e.g. (2, 12, 1).
    public var version: (major: Int, minor: Int, patch: Int) {
        var major: FT_Int = 0
        var minor: FT_Int = 0
        var patch: FT_Int = 0
        FT_Library_Version(handle, &major, &minor, &patch)
        return (Int(major), Int(minor), Int(patch))
    }

    /// "2.12.1".
    public var versionString: String {
        let v = version
        return "\(v.major).\(v.minor).\(v.patch)"
    }
}

/// Which TrueType bytecode interpreter runs a font's hints (FreeType's
/// `interpreter-version` property).
///
/// Lumen uses `.v35`: it runs DejaVu Sans Mono's hand-written instructions in
/// full, snapping stems to whole pixels in *both* directions, so vertical stems
/// come out as crisp one-pixel (bold: two-pixel) columns instead of the grey
/// two-pixel smear of `.v40`: the sharp look of a classic terminal font, with
/// the same interpreter in the host and kernel builds. `.v40`, FreeType's default, hints vertically only (made for
/// subpixel positioning, which a cell grid does not use).
public enum TrueTypeInterpreter: UInt32, Sendable {
    /// Full hinting, both axes ("Windows 98" mode).
    case v35 = 35
    /// Minimal hinting, vertical axis only ("subpixel hinting" mode).
    case v40 = 40
}
