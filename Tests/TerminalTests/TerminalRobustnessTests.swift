import Terminal
import XCTest

/// Random input must never trap and must leave every invariant intact.
final class TerminalRobustnessTests: XCTestCase {
    /// 1 MiB of seeded random input, fed in chunks split at random points so
    /// sequences straddle feeds, with resizes, view scrolling and damage and
    /// response collection in between; invariants checked after every chunk.
    func testRandomStreamsKeepInvariants() {
        var random = SeededGenerator(seed: 0x5EED_1234)
        let t = Terminal(columns: 37, rows: 11, scrollbackLines: 300)
        var fed = 0
        while fed < 1 << 20 {
            let chunk = randomInput(&random, size: 4096)
            let split = Int(random.next() % UInt64(chunk.count))
            t.feed(Array(chunk[..<split]))
            t.feed(Array(chunk[split...]))
            fed += chunk.count

            switch random.next() % 16 {
            case 0: t.resize(columns: 2 + Int(random.next() % 60), rows: 1 + Int(random.next() % 20))
            case 1: t.scrollView(by: Int(random.next() % 40) - 20)
            case 2: _ = t.takeResponses()
            default: break
            }
            if let violation = invariantViolation(t) {
                XCTFail("after \(fed) bytes: \(violation)")
                return
            }
            let damage = t.takeDamage()
            XCTAssertEqual(damage.rows, t.rows)
            XCTAssertLessThan(damage.scrolledLines, t.rows)
            for row in 0 ..< t.rows {
                let columns = damage.dirtyColumns(inRow: row)
                XCTAssertTrue(columns.isEmpty || (columns.lowerBound >= 0 && columns.upperBound <= t.columns))
            }
        }
        XCTAssertLessThanOrEqual(t.scrollbackCount, 300)
    }

    func testPureRandomBytesOnTinyScreens() {
        var random = SeededGenerator(seed: 42)
        for (columns, rows) in [(2, 1), (3, 2), (1, 1), (5, 1)] {
            let t = Terminal(columns: columns, rows: rows, scrollbackLines: 10)
            for _ in 0 ..< 64 {
                var bytes: [UInt8] = []
                for _ in 0 ..< 1024 { bytes.append(UInt8(truncatingIfNeeded: random.next())) }
                t.feed(bytes)
                if let violation = invariantViolation(t) {
                    XCTFail("\(columns)x\(rows): \(violation)")
                    return
                }
            }
        }
    }

    /// `feed` hands runs of ASCII to the terminal's batch path; driving the
    /// terminal one byte at a time through its performer methods takes the
    /// per-character path. Both must leave the same screen.
    func testRunsAndSingleCharactersAgree() {
        var random = SeededGenerator(seed: 99)
        let input = randomInput(&random, size: 64 * 1024)
        let batched = Terminal(columns: 23, rows: 7, scrollbackLines: 50)
        batched.feed(input)
        var single = Terminal(columns: 23, rows: 7, scrollbackLines: 50)
        var parser = VTParser()
        for byte in input { parser.advance(&single, byte: byte) }
        XCTAssertEqual(screenLines(batched), screenLines(single))
        XCTAssertEqual(scrollbackLines(batched), scrollbackLines(single))
        XCTAssertEqual(batched.cursorState, single.cursorState)
        for row in 0 ..< 7 {
            for column in 0 ..< 23 {
                XCTAssertEqual(batched.cell(row: row, column: column), single.cell(row: row, column: column))
            }
        }
    }

    func testHostileParameters() {
        let t = Terminal(columns: 20, rows: 5)
        let hostile = [
            "\(esc)[65535;65535H", "\(esc)[65535@", "\(esc)[65535P", "\(esc)[65535L", "\(esc)[65535M",
            "\(esc)[65535S", "\(esc)[65535T", "\(esc)[65535X", "\(esc)[65535b", "\(esc)[65535I", "\(esc)[65535Z",
            "\(esc)[99999999999999999999A", "\(esc)[0;0r", "\(esc)[65535;65535r", "\(esc)[5;1r",
            "\(esc)]4;65535;#ffffff\u{7}", "\(esc)]4;-1;#fff\u{7}", "\(esc)]104;99999\u{7}", "\(esc)]2\u{7}",
            "\(esc)]0\u{7}", "\(esc)]\u{7}", "\(esc)];\u{7}", "\(esc)]4\u{7}", "\(esc)]10\u{7}", "\(esc)]4;1\u{7}",
            "\(esc)[38;5;65535m", "\(esc)[38:2:65535:65535:65535:65535m", "\(esc)[?65535h",
            "\(esc)[" + String(repeating: ";", count: 1000) + "m",
            "\(esc)[" + String(repeating: "9", count: 1000) + "m",
            "\(esc)]" + String(repeating: "4;", count: 1000) + "\u{7}",
        ]
        for sequence in hostile {
            t.feed("x" + sequence + "y")
            XCTAssertNil(invariantViolation(t), sequence.debugDescription)
        }
    }
}
