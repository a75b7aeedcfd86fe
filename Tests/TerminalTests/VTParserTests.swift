@testable import Terminal
import XCTest

/// Everything a parser reported, in order.
enum ParserEvent: Equatable, CustomStringConvertible {
    case print(UInt32)
    case execute(UInt8)
    case csi([[UInt16]], [UInt8], Bool, Character)
    case esc([UInt8], Bool, Character)
    case hook([[UInt16]], [UInt8], Bool, Character)
    case put(UInt8)
    case unhook
    case osc(String, Bool)

    var description: String {
        switch self {
        case .print(let scalar): return "print(\(Unicode.Scalar(scalar).map { String($0) } ?? "?"))"
        case .execute(let byte): return "execute(\(byte))"
        case let .csi(p, i, ignoring, final): return "csi(\(p), \(i), \(ignoring), \(final))"
        case let .esc(i, ignoring, final): return "esc(\(i), \(ignoring), \(final))"
        case let .hook(p, i, ignoring, final): return "hook(\(p), \(i), \(ignoring), \(final))"
        case .put(let byte): return "put(\(byte))"
        case .unhook: return "unhook"
        case let .osc(text, bell): return "osc(\(text), bell: \(bell))"
        }
    }
}

struct RecordingPerformer: VTPerformer {
    var events: [ParserEvent] = []
    var lastOSC: VTOSCPayload?

    static func groups(_ parameters: VTParameterView) -> [[UInt16]] {
        (0 ..< parameters.count).map { index in
            (0 ..< parameters.componentCount(at: index)).map { parameters.component($0, at: index) }
        }
    }

    static func bytes(_ intermediates: VTIntermediates) -> [UInt8] {
        (0 ..< intermediates.count).map { intermediates[$0] }
    }

    mutating func print(_ scalar: UInt32) { events.append(.print(scalar)) }
    mutating func execute(_ byte: UInt8) { events.append(.execute(byte)) }
    mutating func csiDispatch(_ parameters: VTParameterView, intermediates: VTIntermediates, ignoring: Bool, final: UInt8) {
        events.append(.csi(Self.groups(parameters), Self.bytes(intermediates), ignoring, Character(Unicode.Scalar(final))))
    }
    mutating func escDispatch(intermediates: VTIntermediates, ignoring: Bool, final: UInt8) {
        events.append(.esc(Self.bytes(intermediates), ignoring, Character(Unicode.Scalar(final))))
    }
    mutating func hook(_ parameters: VTParameterView, intermediates: VTIntermediates, ignoring: Bool, final: UInt8) {
        events.append(.hook(Self.groups(parameters), Self.bytes(intermediates), ignoring, Character(Unicode.Scalar(final))))
    }
    mutating func put(_ byte: UInt8) { events.append(.put(byte)) }
    mutating func unhook() { events.append(.unhook) }
    mutating func oscDispatch(_ payload: VTOSCPayload, bellTerminated: Bool) {
        lastOSC = payload
        events.append(.osc(String(decoding: payload.allBytes, as: UTF8.self), bellTerminated))
    }
}

final class VTParserTests: XCTestCase {
    var parser = VTParser()

    func parse(_ bytes: [UInt8]) -> [ParserEvent] {
        var performer = RecordingPerformer()
        parser.feed(&performer, bytes: bytes)
        return performer.events
    }

    func parse(_ text: String) -> [ParserEvent] {
        parse(Array(text.utf8))
    }

    func prints(_ text: String) -> [ParserEvent] {
        text.unicodeScalars.map { .print($0.value) }
    }

    override func setUp() {
        parser = VTParser()
    }

    func testPlainTextAndControls() {
        XCTAssertEqual(parse("ab\r\n\u{7}"), prints("ab") + [.execute(0x0D), .execute(0x0A), .execute(0x07)])
        XCTAssertEqual(parser.state, .ground)
    }

    func testDeleteIsIgnored() {
        XCTAssertEqual(parse("a\u{7F}b"), prints("ab"))
        XCTAssertEqual(parse("\(esc)[1\u{7F}2H"), [.csi([[12]], [], false, "H")])
    }

    func testCSIParameters() {
        XCTAssertEqual(parse("\(esc)[1;2H"), [.csi([[1], [2]], [], false, "H")])
        XCTAssertEqual(parse("\(esc)[m"), [.csi([], [], false, "m")])
        XCTAssertEqual(parse("\(esc)[;5H"), [.csi([[0], [5]], [], false, "H")])
        XCTAssertEqual(parse("\(esc)[5;H"), [.csi([[5], [0]], [], false, "H")])
        XCTAssertEqual(parse("\(esc)[0m"), [.csi([[0]], [], false, "m")])
        XCTAssertEqual(parser.state, .ground)
    }

    func testPrivateMarkerAndIntermediates() {
        XCTAssertEqual(parse("\(esc)[?25;1049h"), [.csi([[25], [1049]], [UInt8(ascii: "?")], false, "h")])
        XCTAssertEqual(parse("\(esc)[2 q"), [.csi([[2]], [0x20], false, "q")])
        XCTAssertEqual(parse("\(esc)[!p"), [.csi([], [UInt8(ascii: "!")], false, "p")])
        XCTAssertEqual(parse("\(esc)[?1$p"), [.csi([[1]], [UInt8(ascii: "?"), UInt8(ascii: "$")], false, "p")])
        XCTAssertEqual(parse("\(esc)[>c"), [.csi([], [UInt8(ascii: ">")], false, "c")])
    }

    func testColonSubParameters() {
        XCTAssertEqual(parse("\(esc)[38:2::255:128:0m"), [.csi([[38, 2, 0, 255, 128, 0]], [], false, "m")])
        XCTAssertEqual(parse("\(esc)[1;38:5:208;4:3m"), [.csi([[1], [38, 5, 208], [4, 3]], [], false, "m")])
    }

    func testValuesSaturate() {
        XCTAssertEqual(parse("\(esc)[99999999A"), [.csi([[65535]], [], false, "A")])
    }

    func testTooManyParametersIsFlaggedAndRecovers() {
        let sixteen = (1 ... 16).map(String.init).joined(separator: ";")
        XCTAssertEqual(parse("\(esc)[\(sixteen)m"), [.csi((1 ... 16).map { [UInt16($0)] }, [], false, "m")])
        let many = (1 ... 40).map(String.init).joined(separator: ";")
        let events = parse("\(esc)[\(many)mX")
        XCTAssertEqual(events.count, 2)
        if case let .csi(groups, _, ignoring, final) = events[0] {
            XCTAssertTrue(ignoring)
            XCTAssertEqual(final, "m")
            XCTAssertEqual(groups.count, 16)
        } else {
            XCTFail("expected a CSI, got \(events)")
        }
        XCTAssertEqual(events[1], .print(0x58))
        // 33 sub-parameters overflow the component limit.
        let colons = (1 ... 33).map(String.init).joined(separator: ":")
        if case let .csi(_, _, ignoring, _) = parse("\(esc)[\(colons)m")[0] {
            XCTAssertTrue(ignoring)
        } else {
            XCTFail()
        }
    }

    func testTooManyIntermediatesIsFlagged() {
        XCTAssertEqual(parse("\(esc)[1 !\"pA"), [.csi([[1]], [0x20, 0x21], true, "p"), .print(0x41)])
        XCTAssertEqual(parse("\(esc)(()B"), [.esc([0x28, 0x28], true, "B")])
    }

    func testCancelAndSubstituteAbortSequences() {
        XCTAssertEqual(parse("\(esc)[12\u{18}A"), [.execute(0x18), .print(0x41)])
        XCTAssertEqual(parse("\(esc)[12\u{1A}A"), [.execute(0x1A), .print(0x41)])
        XCTAssertEqual(parse("\(esc)(\u{18}B"), [.execute(0x18), .print(0x42)])
        XCTAssertEqual(parse("\(esc)]0;title\u{18}x"), [.execute(0x18), .print(0x78)])
        XCTAssertEqual(parse("\(esc)P1|data\u{18}x"),
                       [.hook([[1]], [], false, "|"), .put(100), .put(97), .put(116), .put(97), .unhook,
                        .execute(0x18), .print(0x78)])
        XCTAssertEqual(parser.state, .ground)
    }

    func testEscapeInsideCSIStartsOver() {
        XCTAssertEqual(parse("\(esc)[12\(esc)[3m"), [.csi([[3]], [], false, "m")])
        XCTAssertEqual(parse("\(esc)\(esc)[m"), [.csi([], [], false, "m")])
        XCTAssertEqual(parse("\(esc)[?\(esc)7"), [.esc([], false, "7")])
    }

    func testControlsInsideCSIAreExecutedWithoutBreakingIt() {
        XCTAssertEqual(parse("\(esc)[1\n2H"), [.execute(0x0A), .csi([[12]], [], false, "H")])
        XCTAssertEqual(parse("\(esc)\r7"), [.execute(0x0D), .esc([], false, "7")])
    }

    func testMalformedCSIIsIgnoredUpToItsFinalByte() {
        XCTAssertEqual(parse("\(esc)[1?2hX"), [.print(0x58)])
        XCTAssertEqual(parse("\(esc)[1 2qX"), [.print(0x58)])
        XCTAssertEqual(parser.state, .ground)
    }

    func testEscapeSequences() {
        XCTAssertEqual(parse("\(esc)7\(esc)8\(esc)c"), [.esc([], false, "7"), .esc([], false, "8"), .esc([], false, "c")])
        XCTAssertEqual(parse("\(esc)(0\(esc))B\(esc)#8"),
                       [.esc([0x28], false, "0"), .esc([0x29], false, "B"), .esc([0x23], false, "8")])
    }

    func testOSCTerminatedByBELAndST() {
        XCTAssertEqual(parse("\(esc)]0;hello\u{7}"), [.osc("0;hello", true)])
        XCTAssertEqual(parse("\(esc)]2;x y\(esc)\\"), [.osc("2;x y", false), .esc([], false, "\\")])
        XCTAssertEqual(parse("\(esc)]\u{7}"), [.osc("", true)])
        XCTAssertEqual(parser.state, .ground)
    }

    func testOSCDropsControlsAndKeepsUTF8() {
        // ✜ is E2 9C 9C: 0x9C is 8-bit ST, which must not end the string in UTF-8 mode.
        XCTAssertEqual(parse("\(esc)]2;a\u{1}b✜c\u{7}"), [.osc("2;ab✜c", true)])
    }

    func testOSCFields() {
        _ = parse("\(esc)]4;1;rgb:ff/00/00;2;#00ff00\u{7}")
        var performer = RecordingPerformer()
        parser.feed(&performer, bytes: Array("\(esc)]4;1;rgb:ff/00/00;2;#00ff00\u{7}".utf8))
        let payload = performer.lastOSC!
        XCTAssertEqual(payload.fieldCount, 5)
        XCTAssertEqual(payload.number(inField: 0), 4)
        XCTAssertEqual(payload.number(inField: 1), 1)
        XCTAssertEqual(payload.fieldBytes(2), Array("rgb:ff/00/00".utf8))
        XCTAssertEqual(payload.fieldBytes(4), Array("#00ff00".utf8))
        XCTAssertNil(payload.field(5))
        XCTAssertNil(payload.number(inField: 2))
    }

    func testOverlongOSCIsTruncatedAndRecovers() {
        var performer = RecordingPerformer()
        parser.feed(&performer, bytes: Array("\(esc)]2;\(String(repeating: "x", count: 2000))\u{7}Z".utf8))
        XCTAssertEqual(performer.lastOSC?.count, VTOSCPayload.capacity)
        XCTAssertEqual(performer.lastOSC?.isTruncated, true)
        XCTAssertEqual(performer.events.last, .print(0x5A))
    }

    func testDCSPassthrough() {
        XCTAssertEqual(parse("\(esc)P1;2|ab\r\(esc)\\"),
                       [.hook([[1], [2]], [], false, "|"), .put(97), .put(98), .put(0x0D), .unhook, .esc([], false, "\\")])
        XCTAssertEqual(parse("\(esc)P$qm\(esc)\\"),
                       [.hook([], [UInt8(ascii: "$")], false, "q"), .put(109), .unhook, .esc([], false, "\\")])
        XCTAssertEqual(parser.state, .ground)
    }

    func testMalformedDCSIsIgnored() {
        XCTAssertEqual(parse("\(esc)P1:2|data\(esc)\\X"), [.esc([], false, "\\"), .print(0x58)])
    }

    func testSOSPMAPCStringsAreIgnored() {
        XCTAssertEqual(parse("\(esc)_apc\u{7}stuff\(esc)\\X"), [.esc([], false, "\\"), .print(0x58)])
        XCTAssertEqual(parse("\(esc)^pm\(esc)\\\(esc)Xsos\(esc)\\Y"),
                       [.esc([], false, "\\"), .esc([], false, "\\"), .print(0x59)])
    }

    func testUTF8InGroundState() {
        XCTAssertEqual(parse("é漢😀"), prints("é漢😀"))
        XCTAssertEqual(parse([0xC3, 0x41]), [.print(0xFFFD), .print(0x41)])
        XCTAssertEqual(parse([0xE6, 0xBC, 0x1B, 0x5B, 0x6D]), [.print(0xFFFD), .csi([], [], false, "m")])
        XCTAssertEqual(parse([0xE6, 0xBC, 0x0A]), [.print(0xFFFD), .execute(0x0A)])
        XCTAssertEqual(parse([0xFF, 0x41]), [.print(0xFFFD), .print(0x41)])
    }

    func testUTF8SplitAcrossFeeds() {
        var performer = RecordingPerformer()
        for byte in Array("😀".utf8) { parser.feed(&performer, bytes: [byte]) }
        XCTAssertEqual(performer.events, [.print(0x1F600)])
    }

    func testEightBitC1ControlsAreNotRecognised() {
        // 0x9B would be CSI in 8-bit mode; in UTF-8 it is a stray continuation byte.
        XCTAssertEqual(parse([0x9B, 0x31, 0x6D]), [.print(0xFFFD), .print(0x31), .print(0x6D)])
        // U+009B encoded in UTF-8 is printed (the terminal decides to ignore it).
        XCTAssertEqual(parse([0xC2, 0x9B]), [.print(0x9B)])
        // High bytes inside CSI are dropped, the sequence survives.
        XCTAssertEqual(parse([0x1B, 0x5B, 0x31, 0xC3, 0xA9, 0x6D]), [.csi([[1]], [], false, "m")])
    }

    func testAdvanceByteByByteEqualsFeed() {
        let input = Array("a\(esc)[1;31mb\(esc)]0;t\u{7}\(esc)P|x\(esc)\\é\(esc)[?25l".utf8)
        let fed = parse(input)
        var single = VTParser()
        var performer = RecordingPerformer()
        for byte in input { single.advance(&performer, byte: byte) }
        XCTAssertEqual(performer.events, fed)
    }

    /// Whole CSI sequences inside one buffer take a fast path; it must give
    /// exactly what the state machine gives byte by byte, at every edge of it.
    func testCSIFastPathEqualsTheStateMachine() {
        let sequences = [
            "\(esc)[H", "\(esc)[m", "\(esc)[;H", "\(esc)[5;H", "\(esc)[;5H", "\(esc)[1;m", "\(esc)[;;;m",
            "\(esc)[38;5;196;48;5;21;1m", "\(esc)[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16m",
            "\(esc)[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17m", "\(esc)[99999;123456789H", "\(esc)[0065535m",
            "\(esc)[65536m", "\(esc)[7;1234H", "\(esc)[12345;6789;1;22;333;4444;55555H",
            "\(esc)[?25l", "\(esc)[?1049;2004h", "\(esc)[>c", "\(esc)[=1c", "\(esc)[<1;2M",
            "\(esc)[38:2::1:2:3m", "\(esc)[4:3m", "\(esc)[1;4:3m", "\(esc)[1?m", "\(esc)[1 q", "\(esc)[1$p",
            "\(esc)[1\n2H", "\(esc)[12\u{7F}3H", "\(esc)[1\(esc)[2H", "\(esc)[1\u{18}H", "\(esc)[?", "\(esc)[12", "\(esc)[1;",
            "\(esc)[\u{80}m", "\(esc)[1;2é", "\(esc)[", "\(esc)",
            "\(esc)[38;2;255;128;0;48;2;1;2;3;1;4;9m", "\(esc)[1234;5678H", "\(esc)[12345H", "\(esc)[9999;99999;9m",
            "\(esc)[1;\u{FA}3H", "\(esc)[\u{FF}\u{FF}m", "\(esc)[/5m", "\(esc)[5/m",
        ]
        for sequence in sequences {
            // The fast path reads four bytes at a time: with a long suffix it
            // takes sequences it leaves to the state machine at a buffer's end.
            for suffix in ["", "x", "\(esc)[1m", "\(esc)[1m" + String(repeating: "y", count: 12)] {
                let input = Array((sequence + suffix).utf8)
                parser = VTParser()
                let fed = parse(input)
                var single = VTParser()
                var performer = RecordingPerformer()
                for byte in input { single.advance(&performer, byte: byte) }
                XCTAssertEqual(fed, performer.events, (sequence + suffix).debugDescription)
                XCTAssertEqual(parser.state, single.state, (sequence + suffix).debugDescription)
            }
        }
    }

    /// The fast path's four-bytes-at-a-time digit reading, against the
    /// obvious loop, over every combination of bytes at the edges of the digits.
    func testDigitWordsMatchByteByByte() {
        let interesting: [UInt8] = [0x00, 0x2F, 0x30, 0x35, 0x39, 0x3A, 0x3B, 0x3F, 0x6D, 0xF9, 0xFA, 0xFF]
        for a in interesting { for b in interesting { for c in interesting { for d in interesting {
            let bytes = [a, b, c, d]
            let word = UInt32(a) | UInt32(b) << 8 | UInt32(c) << 16 | UInt32(d) << 24
            var expectedCount = 0
            var expectedValue: UInt32 = 0
            while expectedCount < 4 && bytes[expectedCount] &- 0x30 < 10 {
                expectedValue = expectedValue * 10 + UInt32(bytes[expectedCount] - 0x30)
                expectedCount += 1
            }
            let count = VTParser.leadingDigitCount(word)
            XCTAssertEqual(count, expectedCount, "\(bytes)")
            XCTAssertEqual(VTParser.decimalValue(word, digits: count), expectedValue, "\(bytes)")
        } } } }
    }

    func testStateTransitions() {
        var performer = RecordingPerformer()
        let steps: [(String, VTParserState)] = [
            ("\(esc)", .escape), ("(", .escapeIntermediate), ("B", .ground),
            ("\(esc)[", .csiEntry), ("?", .csiParam), ("1", .csiParam), (";", .csiParam), (" ", .csiIntermediate),
            ("1", .csiIgnore), ("q", .ground),
            ("\(esc)P", .dcsEntry), ("1", .dcsParam), ("$", .dcsIntermediate), ("q", .dcsPassthrough),
            ("\(esc)", .escape), ("\\", .ground),
            ("\(esc)P:", .dcsIgnore), ("\(esc)\\", .ground),
            ("\(esc)]", .oscString), ("0;x", .oscString), ("\u{7}", .ground),
            ("\(esc)_", .sosPmApcString), ("\u{18}", .ground),
        ]
        for (input, expected) in steps {
            parser.feed(&performer, bytes: Array(input.utf8))
            XCTAssertEqual(parser.state, expected, "after \(input.debugDescription)")
        }
    }

    func testParametersAPI() {
        let parameters = VTParameters([[1], [38, 2, 0, 1, 2, 3], []])
        XCTAssertEqual(parameters.count, 3)
        XCTAssertEqual(parameters[0], 1)
        XCTAssertEqual(parameters[1], 38)
        XCTAssertEqual(parameters[2], 0)
        XCTAssertEqual(parameters[3], 0)
        XCTAssertEqual(parameters.componentCount(at: 1), 6)
        XCTAssertEqual(parameters.component(5, at: 1), 3)
        XCTAssertEqual(parameters.component(6, at: 1), 0)
        XCTAssertEqual(parameters.value(at: 2, default: 7), 7)
        XCTAssertEqual(parameters.value(at: 0, default: 7), 1)
    }
}
