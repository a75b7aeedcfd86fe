import CFreeType

/// One font face (`FT_Face`) opened from bytes in memory with
/// `FT_New_Memory_Face`; its Unicode character map is selected.
///
/// FreeType reads the font from those bytes for as long as the face lives and
/// never copies them: **the bytes must outlive the face** (the kernel's fonts are
/// in the image's read-only data, so they always do).
///
/// A face has one current pixel size (`setPixelSize`), shared by everyone using
/// it; `CellMetrics` and `GlyphCache` set it before each use, and setting the
/// size it already has costs nothing (re-sizing a TrueType face reruns its
/// hinting program, so this matters).
public final class FontFace {
    /// The library the face was opened from (kept alive by the face).
    public let library: FontLibrary
    /// The FreeType handle, for calls this module does not wrap.
    public let handle: FT_Face
    /// The size last set with `setPixelSize`, 0 before the first.
    public private(set) var pixelSize: Int = 0

    /// Opens face `faceIndex` of the font in `bytes` (which must outlive the face).
    public init(library: FontLibrary, bytes: UnsafeRawBufferPointer, faceIndex: Int = 0) throws(FontError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { throw .emptyFontData }
        if faceIndex < 0 { throw .freeType(6) }  // FT_Err_Invalid_Argument
        var opened: FT_Face? = nil
        let error = FT_New_Memory_Face(
            library.handle, base.assumingMemoryBound(to: FT_Byte.self), FT_Long(bytes.count),
            FT_Long(faceIndex), &opened)
        guard error == 0, let face = opened else { throw .freeType(Int32(error)) }
        if FT_Select_Charmap(face, FT_ENCODING_UNICODE) != 0 {
            FT_Done_Face(face)
            throw .noUnicodeCharmap
        }
        self.library = library
        self.handle = face
    }

    deinit {
        FT_Done_Face(handle)
    }

    /// "DejaVu Sans Mono" (empty when the font names none).
    public var familyName: String {
        guard let name = handle.pointee.family_name else { return "" }
        return String(cString: name)
    }

    /// "Bold Oblique" (empty when the font names none).
    public var styleName: String {
        guard let name = handle.pointee.style_name else { return "" }
        return String(cString: name)
    }

    /// The font's own bold flag (`FT_STYLE_FLAG_BOLD`).
    public var isBold: Bool { handle.pointee.style_flags & FT_Long(FT_STYLE_FLAG_BOLD) != 0 }
    /// The font's own italic/oblique flag (`FT_STYLE_FLAG_ITALIC`).
    public var isItalic: Bool { handle.pointee.style_flags & FT_Long(FT_STYLE_FLAG_ITALIC) != 0 }
    /// Number of glyphs in the face.
    public var glyphCount: Int { Int(handle.pointee.num_glyphs) }
    /// True for outline fonts (any size); bitmap-only fonts offer fixed sizes.
    public var isScalable: Bool { handle.pointee.face_flags & FT_Long(FT_FACE_FLAG_SCALABLE) != 0 }

    /// The face's glyph index for a code point, 0 when it has none (FreeType's
    /// `.notdef`). Code points outside Unicode's range are reported missing.
    public func glyphIndex(for codePoint: UInt32) -> UInt32 {
        if codePoint > 0x10_FFFF { return 0 }
        return UInt32(FT_Get_Char_Index(handle, FT_ULong(codePoint)))
    }

    /// True when the face has a glyph of its own for `codePoint`.
    public func hasGlyph(for codePoint: UInt32) -> Bool { glyphIndex(for: codePoint) != 0 }

    /// Makes `size` (pixels per em) the face's current size; a no-op when it
    /// already is.
    public func setPixelSize(_ size: Int) throws(FontError) {
        guard CellMetrics.pixelSizes.contains(size) else { throw .invalidPixelSize(size) }
        if size == pixelSize { return }
        let error = FT_Set_Pixel_Sizes(handle, 0, FT_UInt(size))
        if error != 0 {
            pixelSize = 0
            throw .freeType(Int32(error))
        }
        pixelSize = size
    }
}
