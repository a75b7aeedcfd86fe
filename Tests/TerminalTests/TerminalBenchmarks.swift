import Terminal
import XCTest

/// Throughput micro-benchmark: prints figures, asserts nothing (speed is not
/// behaviour). Meaningful in release:
///
///     swift test -c release --filter TerminalBenchmarks
final class TerminalBenchmarks: XCTestCase {
    #if DEBUG
    let megabytes = 1
    let build = "debug"
    #else
    let megabytes = 4
    let build = "release"
    #endif

    func seconds(_ body: () -> Void) -> Double {
        let elapsed = ContinuousClock().measure(body)
        let (s, attoseconds) = elapsed.components
        return Double(s) + Double(attoseconds) * 1e-18
    }

    func report(_ what: String, bytes: Int, time: Double) {
        let rate = Double(bytes) / time / 1e6
        print("[TerminalBenchmarks \(build)] \(what): \(bytes / 1024) KiB in \(Int((time * 1000).rounded())) ms = \(Int(rate.rounded())) MB/s")
    }

    /// Like `ls --color` and compiler output: mostly ASCII lines with some SGR,
    /// some UTF-8 (accents, CJK, box drawing) and a little cursor movement.
    func mixedPayload(size: Int) -> [UInt8] {
        var random = SeededGenerator(seed: 7)
        let words = ["build", "Sources/Terminal", "warning:", "error", "func", "return", "let", "résumé", "naïve",
                     "漢字", "テスト", "│", "──", "λ", "0x1F", "[42/128]", "Compiling", "swift", "✓"]
        let colors = ["\(esc)[0m", "\(esc)[1;32m", "\(esc)[31m", "\(esc)[38;5;208m", "\(esc)[38;2;10;200;30m", "\(esc)[1m"]
        var text = ""
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size + 256)
        while bytes.count < size {
            text.removeAll(keepingCapacity: true)
            let wordsInLine = 3 + Int(random.next() % 12)
            for index in 0 ..< wordsInLine {
                if random.next() % 5 == 0 { text += colors[Int(random.next() % UInt64(colors.count))] }
                text += words[Int(random.next() % UInt64(words.count))]
                text += index + 1 == wordsInLine ? "" : " "
            }
            switch random.next() % 20 {
            case 0: text += "\(esc)[K"
            case 1: text += "\r\(esc)[2C"
            case 2: text += "\t|"
            default: break
            }
            text += "\(esc)[0m\r\n"
            bytes += Array(text.utf8)
        }
        return bytes
    }

    func testMixedThroughput() {
        let payload = mixedPayload(size: megabytes << 20)
        let t = Terminal(columns: 120, rows: 40)
        // Warm up (fills the scrollback, so the timed run includes eviction).
        t.feed(payload)
        var frames = 0
        let time = seconds {
            // Feed in 4 KiB reads, taking damage every 64 KiB as a renderer would per frame.
            payload.withUnsafeBufferPointer { buffer in
                var offset = 0
                while offset < buffer.count {
                    let end = min(offset + 4096, buffer.count)
                    t.feed(UnsafeBufferPointer(rebasing: buffer[offset ..< end]))
                    offset = end
                    if offset % 65536 < 4096 {
                        _ = t.takeDamage()
                        frames += 1
                    }
                }
            }
        }
        report("mixed text, SGR, UTF-8 (\(frames) frames)", bytes: payload.count, time: time)
    }

    func testPlainASCIIThroughput() {
        var line = Array("The quick brown fox jumps over the lazy dog; 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ.".utf8)
        line += [0x0D, 0x0A]
        var payload: [UInt8] = []
        while payload.count < megabytes << 20 { payload += line }
        let t = Terminal(columns: 120, rows: 40)
        t.feed(payload)
        let time = seconds { t.feed(payload) }
        report("plain ASCII lines", bytes: payload.count, time: time)
    }

    func testParserOnlyThroughput() {
        struct Counter: VTPerformer {
            var count = 0
            mutating func print(_ scalar: UInt32) { count &+= Int(scalar) }
            mutating func csiDispatch(_ parameters: VTParameterView, intermediates: VTIntermediates, ignoring: Bool, final: UInt8) {
                count &+= parameters.count
            }
        }
        let payload = mixedPayload(size: megabytes << 20)
        var parser = VTParser()
        var counter = Counter()
        let time = seconds { parser.feed(&counter, bytes: payload) }
        report("parser alone, mixed (checksum \(counter.count % 1000))", bytes: payload.count, time: time)
    }
}
