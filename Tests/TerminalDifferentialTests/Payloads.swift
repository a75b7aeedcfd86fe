// vtebench-style payloads (after Alacritty's vtebench benchmarks), generated
// from a seed so every run and every machine sees the same bytes. Shared by the
// differential tests and by scripts/terminal-bench, which compiles this file
// on its own: it uses the standard library only.

/// SplitMix64: small, fast, and the same everywhere.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in 0 ..< bound.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }

    /// True with probability `percent` / 100.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Characters whose width Lumen (Unicode 15) and libvterm 0.1.4 agree on, so
/// generated text compares cell for cell (difference D11 in DifferentialTests.swift).
/// `DifferentialTests.testSampleCharactersHaveAgreedWidths` checks every one.
enum SampleCharacters {
    /// Narrow: Latin-1 and Latin Extended-A letters, Greek, Cyrillic, box drawing, arrows.
    static let narrow: [ClosedRange<UInt32>] = [
        0xC0 ... 0xFF, 0x100 ... 0x17F, 0x391 ... 0x3A9, 0x3B1 ... 0x3C9, 0x410 ... 0x44F,
        0x2500 ... 0x257F, 0x2190 ... 0x2199,
    ]
    /// Wide: CJK ideographs, hiragana, katakana, Hangul syllables, fullwidth forms, emoticons.
    static let wide: [ClosedRange<UInt32>] = [
        0x4E00 ... 0x9FA5, 0x3041 ... 0x3096, 0x30A1 ... 0x30FA, 0xAC00 ... 0xD7A3, 0xFF01 ... 0xFF60,
        0x1F600 ... 0x1F64F,
    ]
    /// Combining: the Combining Diacritical Marks block.
    static let combining: [ClosedRange<UInt32>] = [0x300 ... 0x36F]

    static func draw(_ ranges: [ClosedRange<UInt32>], _ random: inout SeededGenerator) -> UInt32 {
        let range = random.pick(ranges)
        return range.lowerBound + UInt32(random.below(Int(range.upperBound - range.lowerBound) + 1))
    }
}

/// Byte-building helpers (named apart from the Terminal module's own, since
/// scripts/terminal-bench compiles this file into the same module).
extension Array where Element == UInt8 {
    mutating func addText(_ text: String) { append(contentsOf: text.utf8) }

    mutating func addScalar(_ value: UInt32) {
        append(contentsOf: String(Unicode.Scalar(value)!).utf8)
    }

    mutating func addNumber(_ value: Int) { append(contentsOf: String(value).utf8) }
}

/// The payloads, named as vtebench names its benchmarks.
enum VTEPayload: String, CaseIterable {
    /// Every cell with its own random 256-colour foreground and background and
    /// random attributes, screen after screen.
    case denseCells = "dense_cells"
    /// A character at a random position, over and over.
    case cursorMotion = "cursor_motion"
    /// Lines of text scrolling the whole screen (`cat` of a file).
    case scrolling = "scrolling"
    /// Lines scrolling a region that leaves the top and bottom rows alone.
    case scrollingInRegion = "scrolling_in_region"
    /// Mixed-script text: accented, Greek, Cyrillic, CJK, Hangul, emoji, with
    /// combining marks and box drawing.
    case unicode = "unicode"

    /// At least `bytes` bytes of this payload for a `columns` x `rows` screen
    /// (ends at a sequence boundary).
    func make(columns: Int = 80, rows: Int = 24, bytes: Int, seed: UInt64 = 1) -> [UInt8] {
        var random = SeededGenerator(seed: seed ^ UInt64(rawValue.utf8.count) &* 0x1000_0001)
        var out: [UInt8] = []
        out.reserveCapacity(bytes + 4096)
        switch self {
        case .denseCells:
            let attributes = [1, 3, 4, 7, 9]
            while out.count < bytes {
                out.addText("\u{1B}[H")
                for _ in 0 ..< rows * columns {
                    out.addText("\u{1B}[38;5;")
                    out.addNumber(random.below(256))
                    out.addText(";48;5;")
                    out.addNumber(random.below(256))
                    if random.chance(50) {
                        out.append(UInt8(ascii: ";"))
                        out.addNumber(random.pick(attributes))
                    }
                    out.append(UInt8(ascii: "m"))
                    out.append(UInt8(0x21 + random.below(94)))
                    if random.chance(10) { out.addText("\u{1B}[0m") }
                }
            }
            out.addText("\u{1B}[0m")
        case .cursorMotion:
            while out.count < bytes {
                out.addText("\u{1B}[")
                out.addNumber(1 + random.below(rows))
                out.append(UInt8(ascii: ";"))
                out.addNumber(1 + random.below(columns))
                out.append(UInt8(ascii: "H"))
                out.append(UInt8(0x21 + random.below(94)))
            }
        case .scrolling:
            while out.count < bytes {
                appendLine(&out, length: random.below(columns + 1), &random)
                out.addText("\r\n")
            }
        case .scrollingInRegion:
            out.addText("\u{1B}[2;")
            out.addNumber(max(rows - 1, 3))
            out.addText("r\u{1B}[")
            out.addNumber(max(rows - 1, 3))
            out.addText(";1H")
            while out.count < bytes {
                appendLine(&out, length: random.below(columns + 1), &random)
                out.addText("\r\n")
            }
            out.addText("\u{1B}[r")
        case .unicode:
            while out.count < bytes {
                var width = 0
                let target = random.below(columns + 1)
                while width < target {
                    switch random.below(10) {
                    case 0 ..< 4:
                        out.addScalar(SampleCharacters.draw(SampleCharacters.narrow, &random))
                        width += 1
                    case 4 ..< 7:
                        guard width + 2 <= target else { width = target; break }
                        out.addScalar(SampleCharacters.draw(SampleCharacters.wide, &random))
                        width += 2
                    case 7:
                        // A base letter with one or two combining marks.
                        out.append(UInt8(0x61 + random.below(26)))
                        for _ in 0 ... random.below(2) {
                            out.addScalar(SampleCharacters.draw(SampleCharacters.combining, &random))
                        }
                        width += 1
                    default:
                        out.append(UInt8(0x20 + random.below(95)))
                        width += 1
                    }
                }
                out.addText("\r\n")
            }
        }
        return out
    }

    /// Printable ASCII words, as in source code or logs.
    private func appendLine(_ out: inout [UInt8], length: Int, _ random: inout SeededGenerator) {
        var written = 0
        while written < length {
            if written > 0 && random.chance(15) {
                out.append(UInt8(ascii: " "))
            } else {
                out.append(UInt8(0x21 + random.below(94)))
            }
            written += 1
        }
    }
}
