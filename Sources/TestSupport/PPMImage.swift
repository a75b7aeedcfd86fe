import Foundation

/// An RGB image, e.g. from QMP `screendump` (which writes binary PPM, "P6", maxval 255) or
/// a VNC framebuffer. Pixels are row-major `0x00RRGGBB`.
public struct PPMImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let pixels: [UInt32]

    public init(width: Int, height: Int, pixels: [UInt32]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height,
                     "PPMImage: \(pixels.count) pixels for \(width)x\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The pixel at (x, y) as 0x00RRGGBB. Traps when out of bounds.
    public func pixel(x: Int, y: Int) -> UInt32 {
        precondition(x >= 0 && x < width && y >= 0 && y < height,
                     "pixel (\(x), \(y)) outside \(width)x\(height)")
        return pixels[y * width + x]
    }

    /// True when every pixel has the same colour (also for an empty image).
    public var isBlank: Bool {
        guard let first = pixels.first else { return true }
        return !pixels.contains { $0 != first }
    }

    /// Number of pixels for which `predicate` holds.
    public func count(where predicate: (UInt32) -> Bool) -> Int {
        var n = 0
        for p in pixels where predicate(p) { n += 1 }
        return n
    }

    /// Number of pixels exactly equal to `color` (0x00RRGGBB).
    public func count(of color: UInt32) -> Int { count { $0 == color } }

    /// Distinct colours and how often each occurs.
    public var histogram: [UInt32: Int] {
        var h: [UInt32: Int] = [:]
        for p in pixels { h[p, default: 0] += 1 }
        return h
    }

    /// The smallest rectangle containing every pixel for which `predicate` holds, or nil.
    public func boundingBox(where predicate: (UInt32) -> Bool) -> (x: Int, y: Int, width: Int, height: Int)? {
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
        for y in 0..<height {
            let row = y * width
            for x in 0..<width where predicate(pixels[row + x]) {
                if x < minX { minX = x }
                if x > maxX { maxX = x }
                if y < minY { minY = y }
                if y > maxY { maxY = y }
            }
        }
        if maxX < 0 { return nil }
        return (minX, minY, maxX - minX + 1, maxY - minY + 1)
    }

    /// A sub-image (clipped to the image bounds).
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> PPMImage {
        let x0 = max(0, min(x, width)), y0 = max(0, min(y, height))
        let x1 = max(x0, min(x + w, width)), y1 = max(y0, min(y + h, height))
        var out: [UInt32] = []
        out.reserveCapacity((x1 - x0) * (y1 - y0))
        for yy in y0..<y1 {
            out.append(contentsOf: pixels[(yy * width + x0)..<(yy * width + x1)])
        }
        return PPMImage(width: x1 - x0, height: y1 - y0, pixels: out)
    }

    /// Binary PPM ("P6", maxval 255), e.g. to save a failing screen as a test artifact.
    public func ppmData() -> Data {
        var data = Data("P6\n\(width) \(height)\n255\n".utf8)
        var bytes = [UInt8](repeating: 0, count: pixels.count * 3)
        for (i, p) in pixels.enumerated() {
            bytes[i * 3] = UInt8((p >> 16) & 0xFF)
            bytes[i * 3 + 1] = UInt8((p >> 8) & 0xFF)
            bytes[i * 3 + 2] = UInt8(p & 0xFF)
        }
        data.append(contentsOf: bytes)
        return data
    }

    public func write(to url: URL) throws {
        try ppmData().write(to: url)
    }

    /// Parses binary ("P6") or ASCII ("P3") PPM with any maxval 1...65535 (samples are scaled
    /// to 8 bits; 16-bit samples are big-endian). Header comments (`#`) are allowed.
    public static func parse(_ data: Data) throws -> PPMImage {
        let bytes = [UInt8](data)
        var pos = 0

        func fail(_ why: String) -> TestSupportError {
            TestSupportError.protocolError("PPM: \(why)")
        }
        func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 || b == 11 || b == 12 }
        func skipSpaceAndComments() {
            while pos < bytes.count {
                if isSpace(bytes[pos]) { pos += 1 }
                else if bytes[pos] == UInt8(ascii: "#") {
                    while pos < bytes.count && bytes[pos] != 10 && bytes[pos] != 13 { pos += 1 }
                } else { break }
            }
        }
        func readInt(_ what: String) throws -> Int {
            skipSpaceAndComments()
            var value = 0, digits = 0
            while pos < bytes.count, bytes[pos] >= 48, bytes[pos] <= 57 {
                value = value * 10 + Int(bytes[pos] - 48)
                digits += 1
                pos += 1
                if value > 1 << 24 { throw fail("\(what) too large") }
            }
            if digits == 0 { throw fail("expected \(what) at byte \(pos)") }
            return value
        }

        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"),
              bytes[1] == UInt8(ascii: "6") || bytes[1] == UInt8(ascii: "3") else {
            throw fail("not a P6/P3 file (magic \(bytes.prefix(2).map { String(format: "%02x", $0) }.joined()))")
        }
        let binary = bytes[1] == UInt8(ascii: "6")
        pos = 2
        let width = try readInt("width")
        let height = try readInt("height")
        let maxval = try readInt("maxval")
        guard maxval >= 1 && maxval <= 65535 else { throw fail("bad maxval \(maxval)") }
        guard width <= 16384 && height <= 16384 else { throw fail("implausible size \(width)x\(height)") }
        let count = width * height

        func scale(_ v: Int) -> UInt32 {
            if maxval == 255 { return UInt32(v) }
            return UInt32((min(v, maxval) * 255 + maxval / 2) / maxval)
        }

        var pixels = [UInt32](repeating: 0, count: count)
        if binary {
            // Exactly one whitespace byte separates the header from the raster.
            guard pos < bytes.count, isSpace(bytes[pos]) else { throw fail("missing whitespace after maxval") }
            pos += 1
            let bps = maxval < 256 ? 1 : 2
            let needed = count * 3 * bps
            guard bytes.count - pos >= needed else {
                throw fail("truncated raster: need \(needed) bytes, have \(bytes.count - pos)")
            }
            if bps == 1 && maxval == 255 {
                for i in 0..<count {
                    let o = pos + i * 3
                    pixels[i] = UInt32(bytes[o]) << 16 | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2])
                }
            } else {
                func sample(_ k: Int) -> Int {
                    if bps == 1 { return Int(bytes[pos + k]) }
                    return Int(bytes[pos + 2 * k]) << 8 | Int(bytes[pos + 2 * k + 1])
                }
                for i in 0..<count {
                    pixels[i] = scale(sample(i * 3)) << 16 | scale(sample(i * 3 + 1)) << 8 | scale(sample(i * 3 + 2))
                }
            }
        } else {
            for i in 0..<count {
                let r = try readInt("red sample"), g = try readInt("green sample"), b = try readInt("blue sample")
                pixels[i] = scale(r) << 16 | scale(g) << 8 | scale(b)
            }
        }
        return PPMImage(width: width, height: height, pixels: pixels)
    }
}

extension PPMImage: CustomStringConvertible {
    public var description: String { "PPMImage(\(width)x\(height))" }
}
