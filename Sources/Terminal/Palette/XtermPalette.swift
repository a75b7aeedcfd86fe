/// xterm's default 256-colour palette, as 0xRRGGBB.
///
/// - 0–15: xterm's defaults for the 16 ANSI colours (XTerm resources
///   `color0`–`color15`: black, red3, green3, yellow3, blue2, magenta3, cyan3,
///   gray90, gray50, red, green, yellow, rgb:5c/5c/ff, magenta, cyan, white);
/// - 16–231: the 6×6×6 colour cube, levels 0, 95, 135, 175, 215, 255;
/// - 232–255: 24 greys, 8 + 10·i.
public enum XtermPalette {
    public static let standardColors: [UInt32] = [
        0x000000, 0xCD0000, 0x00CD00, 0xCDCD00, 0x0000EE, 0xCD00CD, 0x00CDCD, 0xE5E5E5,
        0x7F7F7F, 0xFF0000, 0x00FF00, 0xFFFF00, 0x5C5CFF, 0xFF00FF, 0x00FFFF, 0xFFFFFF,
    ]

    /// Default foreground. xterm's own default is black on white; a console is
    /// conventionally light on black, so Lumen uses colour 7 on colour 0.
    public static let defaultForeground: UInt32 = 0xE5E5E5
    public static let defaultBackground: UInt32 = 0x000000

    /// Entry `index` of the default palette.
    public static func color(_ index: UInt8) -> UInt32 {
        let index = Int(index)
        if index < 16 { return standardColors[index] }
        if index < 232 {
            let cube = index - 16
            return cubeLevel(cube / 36) << 16 | cubeLevel((cube / 6) % 6) << 8 | cubeLevel(cube % 6)
        }
        let grey = UInt32(8 + 10 * (index - 232))
        return grey << 16 | grey << 8 | grey
    }

    /// Intensity of colour-cube step 0…5.
    private static func cubeLevel(_ step: Int) -> UInt32 {
        step == 0 ? 0 : UInt32(55 + 40 * step)
    }

    /// All 256 default entries.
    public static var colors: [UInt32] {
        var palette: [UInt32] = []
        palette.reserveCapacity(256)
        for index in 0 ... 255 { palette.append(color(UInt8(index))) }
        return palette
    }
}
