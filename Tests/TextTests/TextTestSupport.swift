import Foundation
import Graphics
import Text
import XCTest

/// The DejaVu Sans Mono faces from fonts-dejavu-core, read once with Foundation
/// and kept for the whole test run (FreeType faces point into the bytes).
enum TestFonts {
    static let directory = "/usr/share/fonts/truetype/dejavu/"

    static func fileName(_ style: FontStyle) -> String {
        switch style {
        case .regular: return "DejaVuSansMono.ttf"
        case .bold: return "DejaVuSansMono-Bold.ttf"
        case .oblique: return "DejaVuSansMono-Oblique.ttf"
        case .boldOblique: return "DejaVuSansMono-BoldOblique.ttf"
        }
    }

    /// Bytes of each style's file (never freed), or nil when unreadable.
    static let bytes: [FontStyle: UnsafeRawBufferPointer] = {
        var result: [FontStyle: UnsafeRawBufferPointer] = [:]
        for style in FontStyle.allCases {
            guard let data = FileManager.default.contents(atPath: directory + fileName(style)) else { continue }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: data.count, alignment: 16)
            _ = data.copyBytes(to: buffer.bindMemory(to: UInt8.self))
            result[style] = UnsafeRawBufferPointer(buffer)
        }
        return result
    }()

    static let library: FontLibrary = {
        do {
            return try FontLibrary()
        } catch {
            fatalError("FreeType library: \(error)")
        }
    }()

    /// All four faces (fails the test when the fonts are not installed).
    static func fontSet(file: StaticString = #filePath, line: UInt = #line) throws -> FontSet {
        guard bytes.count == 4 else {
            XCTFail("DejaVu Sans Mono not installed (fonts-dejavu-core)", file: file, line: line)
            throw FontError.emptyFontData
        }
        return try FontSet(library: library) { bytes[$0] }
    }

    static func cache(
        size: Int = 16, budget: Int = 512 * 1024, maxGlyphs: Int = 2048, hinting: GlyphHinting = .native
    ) throws -> GlyphCache {
        try GlyphCache(
            fonts: fontSet(), pixelSize: size,
            configuration: .init(byteBudget: budget, maxGlyphs: maxGlyphs, hinting: hinting))
    }
}

/// A surface inside a larger allocation: `margin` pixels of sentinel on every
/// side (and extra row padding), so both writes outside the surface's memory and
/// writes outside a cell (inside the surface) can be detected.
final class Canvas {
    static let sentinel: UInt32 = 0xDEAD_BEEF  // X byte set: no Color can produce it

    let width: Int
    let height: Int
    let stride: Int
    let margin: Int
    let storage: UnsafeMutablePointer<UInt32>
    let count: Int
    let surface: Surface

    init(width: Int, height: Int, margin: Int = 4, fill: Color? = nil) {
        self.width = width
        self.height = height
        self.margin = margin
        stride = width + 2 * margin + 3
        count = stride * (height + 2 * margin)
        storage = .allocate(capacity: count)
        storage.initialize(repeating: Self.sentinel, count: count)
        surface = Surface(pixels: storage + margin * stride + margin, width: width, height: height, stride: stride)
        if let fill { surface.clear(fill) }
    }

    deinit { storage.deallocate() }

    /// True when no word outside the surface changed.
    var memoryGuardsIntact: Bool {
        for index in 0 ..< count {
            let y = index / stride - margin
            let x = index % stride - margin
            let inside = y >= 0 && y < height && x >= 0 && x < width
            if !inside && storage[index] != Self.sentinel { return false }
        }
        return true
    }

    func pixel(_ x: Int, _ y: Int) -> UInt32 { surface.row(y)[x] }

    /// Pixels of the surface, row-major.
    var pixels: [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(width * height)
        for y in 0 ..< height { for x in 0 ..< width { out.append(pixel(x, y)) } }
        return out
    }

    /// Pixels in `rect` (clipped) that differ from `color`.
    func count(in rect: Rect, differentFrom color: Color) -> Int {
        let r = rect.intersection(surface.bounds)
        var n = 0
        for y in r.minY ..< max(r.minY, r.maxY) { for x in r.minX ..< max(r.minX, r.maxX) where pixel(x, y) != color.xrgb { n += 1 } }
        return n
    }

    /// Pixels outside `rect` that differ from `color`.
    func countOutside(_ rect: Rect, differentFrom color: Color) -> Int {
        var n = 0
        for y in 0 ..< height { for x in 0 ..< width where !rect.contains(Point(x: x, y: y)) && pixel(x, y) != color.xrgb { n += 1 } }
        return n
    }

    /// Writes a binary PPM (for looking at renders while developing).
    func writePPM(to path: String) {
        var data = Data("P6\n\(width) \(height)\n255\n".utf8)
        for y in 0 ..< height {
            for x in 0 ..< width {
                let p = pixel(x, y)
                data.append(contentsOf: [UInt8(truncatingIfNeeded: p >> 16), UInt8(truncatingIfNeeded: p >> 8), UInt8(truncatingIfNeeded: p)])
            }
        }
        _ = FileManager.default.createFile(atPath: path, contents: data)
    }
}
