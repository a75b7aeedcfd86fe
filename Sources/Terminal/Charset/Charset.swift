/// A 94-character graphic set that ESC ( / ESC ) designate into G0 / G1.
enum Charset: Equatable {
    /// ESC ( B: US ASCII.
    case ascii
    /// ESC ( 0: DEC Special Graphics, the VT100 line-drawing set.
    case decSpecialGraphics
    /// ESC ( A: United Kingdom: `#` is `£`.
    case unitedKingdom

    /// The scalar `scalar` stands for in this set.
    @inline(__always)
    func map(_ scalar: UInt32) -> UInt32 {
        switch self {
        case .ascii:
            return scalar
        case .unitedKingdom:
            return scalar == 0x23 ? 0xA3 : scalar
        case .decSpecialGraphics:
            guard scalar >= 0x5F && scalar <= 0x7E else { return scalar }
            return Charset.specialGraphics[Int(scalar - 0x5F)]
        }
    }

    /// DEC Special Graphics for 0x5F–0x7E, as xterm maps them to Unicode.
    private static let specialGraphics: [UInt32] = [
        0x00A0,  // _  blank
        0x25C6,  // `  ◆ diamond
        0x2592,  // a  ▒ checkerboard
        0x2409,  // b  ␉ HT
        0x240C,  // c  ␌ FF
        0x240D,  // d  ␍ CR
        0x240A,  // e  ␊ LF
        0x00B0,  // f  ° degree
        0x00B1,  // g  ± plus/minus
        0x2424,  // h  ␤ NL
        0x240B,  // i  ␋ VT
        0x2518,  // j  ┘
        0x2510,  // k  ┐
        0x250C,  // l  ┌
        0x2514,  // m  └
        0x253C,  // n  ┼
        0x23BA,  // o  ⎺ scan line 1
        0x23BB,  // p  ⎻ scan line 3
        0x2500,  // q  ─ scan line 5
        0x23BC,  // r  ⎼ scan line 7
        0x23BD,  // s  ⎽ scan line 9
        0x251C,  // t  ├
        0x2524,  // u  ┤
        0x2534,  // v  ┴
        0x252C,  // w  ┬
        0x2502,  // x  │
        0x2264,  // y  ≤
        0x2265,  // z  ≥
        0x03C0,  // {  π
        0x2260,  // |  ≠
        0x00A3,  // }  £
        0x00B7,  // ~  · centred dot
    ]
}
