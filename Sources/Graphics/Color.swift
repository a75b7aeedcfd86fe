/// A colour in the framebuffer's pixel format, XRGB8888: one little-endian 32-bit
/// word `0x00RRGGBB` per pixel (bytes B, G, R, X in memory), which is what both
/// virtio-gpu's `B8G8R8X8_UNORM` and ramfb's `XR24` scan out.
///
/// The X byte is ignored by the display, so it is always stored as 0: colours read
/// back from memory compare equal no matter what the X byte held.
public struct Color: Hashable, Sendable {
    /// The pixel value, `0x00RRGGBB`.
    public var xrgb: UInt32

    /// A colour from a pixel value; the X (top) byte is dropped.
    @inlinable
    public init(xrgb: UInt32) {
        self.xrgb = xrgb & 0x00FF_FFFF
    }

    @inlinable
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        xrgb = UInt32(red) << 16 | UInt32(green) << 8 | UInt32(blue)
    }

    @inlinable public var red: UInt8 { UInt8(truncatingIfNeeded: xrgb >> 16) }
    @inlinable public var green: UInt8 { UInt8(truncatingIfNeeded: xrgb >> 8) }
    @inlinable public var blue: UInt8 { UInt8(truncatingIfNeeded: xrgb) }

    public static let black = Color(xrgb: 0x00_0000)
    public static let white = Color(xrgb: 0xFF_FFFF)
    public static let gray = Color(xrgb: 0x80_8080)
    public static let red = Color(xrgb: 0xFF_0000)
    public static let green = Color(xrgb: 0x00_FF00)
    public static let blue = Color(xrgb: 0x00_00FF)
    public static let yellow = Color(xrgb: 0xFF_FF00)
    public static let cyan = Color(xrgb: 0x00_FFFF)
    public static let magenta = Color(xrgb: 0xFF_00FF)

    /// `self` drawn with coverage `alpha` over `background`. Per channel:
    ///
    ///     out = (fg * alpha + bg * (255 - alpha) + 127) / 255
    ///
    /// in exact integer arithmetic (round to nearest), so alpha 255 gives `self`
    /// exactly, alpha 0 gives `background` exactly, and no channel drifts when a
    /// glyph is redrawn. This is the operation `Surface.blend` applies per pixel.
    @inlinable
    public func blended(over background: Color, alpha: UInt8) -> Color {
        Color(xrgb: PixelMath.mix(
            PixelMath.spread(xrgb), PixelMath.spread(background.xrgb), alpha: UInt64(alpha)))
    }
}

/// The blend arithmetic, three channels at a time ("SIMD within a register").
///
/// A pixel `0x00RRGGBB` is spread into a 64-bit word with one 16-bit lane per
/// channel (B at bit 0, R at bit 16, G at bit 32). A whole
/// `fg * a + bg * (255 - a) + 128` then fits in each lane (at most 65153 < 2¹⁶), so
/// one multiply-add handles all three channels, and the division by 255 uses
///
///     floor((v + 127) / 255) == (t + (t >> 8)) >> 8   where t = v + 128,
///
/// exact for every v in 0 ... 255 * 255 (the tests check every fg, bg and alpha),
/// and again carry-free per lane (t + (t >> 8) ≤ 65407). This keeps the glyph
/// loop free of divisions on AArch64 and on the host alike.
@usableFromInline
enum PixelMath {
    /// Mask of the low byte of each lane.
    @inlinable static var laneBytes: UInt64 { 0x0000_00FF_00FF_00FF }
    /// +128 in each lane: the rounding bias of the division trick.
    @inlinable static var laneHalf: UInt64 { 0x0000_0080_0080_0080 }

    /// `0x00RRGGBB` → lanes `G | R | B` (bits 32, 16, 0). The X byte is dropped.
    @inlinable @inline(__always)
    static func spread(_ pixel: UInt32) -> UInt64 {
        let value = UInt64(pixel)
        return (value & 0x00FF_00FF) | ((value & 0x0000_FF00) << 24)
    }

    /// Lanes back to `0x00RRGGBB`; only the low byte of each lane is kept.
    @inlinable @inline(__always)
    static func gather(_ lanes: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: (lanes & 0x00FF_00FF) | ((lanes >> 24) & 0xFF00))
    }

    /// Blend of two spread pixels with coverage `alpha` (0 ... 255), returned as a pixel.
    @inlinable @inline(__always)
    static func mix(_ foreground: UInt64, _ background: UInt64, alpha: UInt64) -> UInt32 {
        let sum = foreground &* alpha &+ background &* (255 &- alpha) &+ laneHalf
        return gather((sum &+ ((sum >> 8) & laneBytes)) >> 8)
    }
}
