// Host micro-benchmark: parse + grid update throughput of Lumen's Terminal, of
// libvterm and of libtsm, on the vtebench-style payloads of
// Tests/TerminalDifferentialTests/Payloads.swift, in the same process and run.
// Built and run by scripts/terminal-bench (release build, whole module); see there.
#if canImport(Glibc)
import Glibc
#endif
import TerminalReference
import TSMReference

@main
struct TerminalBench {
    struct Options {
        var runs = 7
        var bytes = 4 << 20
        var columns = 80
        var rows = 24
        var chunk = 64 << 10
        var json: String?
        var payloads = VTEPayload.allCases
        var referenceVersion = "0.1"
        var tsmVersion = "4"
    }

    static func usage() -> Never {
        fputs("usage: terminal-bench [--runs N] [--bytes N] [--size COLSxROWS] [--payload NAME[,NAME...]] [--json PATH | PATH]\n", stderr)
        exit(2)
    }

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { usage() }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--runs":
                guard let runs = Int(value()) else { usage() }
                options.runs = max(1, runs)
            case "--bytes":
                guard let bytes = Int(value()) else { usage() }
                options.bytes = max(1024, bytes)
            case "--size":
                let parts = value().split(separator: "x").compactMap { Int($0) }
                guard parts.count == 2 else { usage() }
                (options.columns, options.rows) = (parts[0], parts[1])
            case "--payload":
                let names = value().split(separator: ",").map(String.init)
                let payloads = names.compactMap { VTEPayload(rawValue: $0) }
                guard payloads.count == names.count else { usage() }
                options.payloads = payloads
            case "--json": options.json = value()
            case "--reference-version": options.referenceVersion = value()
            case "--tsm-version": options.tsmVersion = value()
            case "-h", "--help": usage()
            default:
                if arguments[index].hasPrefix("-") { usage() }
                options.json = arguments[index]
            }
            index += 1
        }
        return options
    }

    static func seconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Hands `bytes` to `feed` in `chunk`-sized writes, as reads from a pty would
    /// come: the same pieces for every terminal measured.
    static func inChunks(_ bytes: [UInt8], _ chunk: Int, _ feed: (UnsafeBufferPointer<UInt8>) -> Void) {
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let end = min(buffer.count, offset + chunk)
                feed(UnsafeBufferPointer(rebasing: buffer[offset ..< end]))
                offset = end
            }
        }
    }

    /// Feeds `bytes` to Lumen's Terminal in `options.chunk`-sized writes,
    /// returns the seconds it took.
    static func timeLumen(_ bytes: [UInt8], _ options: Options, sink: inout UInt32) -> Double {
        let terminal = Terminal(columns: options.columns, rows: options.rows, scrollbackLines: 10_000)
        let start = seconds()
        inChunks(bytes, options.chunk) { terminal.feed($0) }
        let elapsed = seconds() - start
        sink &+= terminal.cell(row: options.rows - 1, column: 0).scalar  // keep the work observable
        return elapsed
    }

    /// libvterm, keeping 10,000 lines of scrollback like Lumen, or (`scrollback`
    /// false) not asked for the lines it scrolls away.
    static func timeReference(_ bytes: [UInt8], _ options: Options, scrollback: Bool = true,
                              sink: inout UInt32) -> Double {
        let terminal = reference_terminal_new(Int32(options.rows), Int32(options.columns), scrollback ? 10_000 : -1)
        let start = seconds()
        inChunks(bytes, options.chunk) { reference_terminal_feed(terminal, $0.baseAddress, $0.count) }
        let elapsed = seconds() - start
        var cell = ReferenceCell()
        reference_terminal_cell(terminal, Int32(options.rows - 1), 0, &cell)
        sink &+= cell.chars.0
        reference_terminal_free(terminal)
        return elapsed
    }

    /// libtsm, keeping 10,000 lines of scrollback like Lumen.
    static func timeTSM(_ bytes: [UInt8], _ options: Options, sink: inout UInt32) -> Double {
        guard let terminal = tsm_reference_new(Int32(options.rows), Int32(options.columns), 10_000) else {
            fputs("terminal-bench: libtsm could not make a \(options.columns)x\(options.rows) screen\n", stderr)
            exit(1)
        }
        let start = seconds()
        inChunks(bytes, options.chunk) { tsm_reference_feed(terminal, $0.baseAddress, $0.count) }
        let elapsed = seconds() - start
        sink &+= tsm_reference_cell(terminal, Int32(options.rows - 1), 0)
        tsm_reference_free(terminal)
        return elapsed
    }

    struct Summary {
        var values: [Double]
        var median: Double {
            let sorted = values.sorted()
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
        var minimum: Double { values.min() ?? 0 }
        var maximum: Double { values.max() ?? 0 }

        var json: String {
            let list = values.sorted().map { format($0, 2) }.joined(separator: ", ")
            return "{\"median\": \(format(median, 2)), \"min\": \(format(minimum, 2)), \"max\": \(format(maximum, 2)), \"runs\": \(values.count), \"values\": [\(list)]}"
        }
    }

    static func format(_ value: Double, _ decimals: Int) -> String {
        var scaled = value
        for _ in 0 ..< decimals { scaled *= 10 }
        let rounded = Int((scaled).rounded())
        var text = String(abs(rounded))
        while text.count <= decimals { text = "0" + text }
        let split = text.index(text.endIndex, offsetBy: -decimals)
        let result = decimals > 0 ? text[..<split] + "." + text[split...] : Substring(text)
        return (rounded < 0 ? "-" : "") + result
    }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? text + padding : padding + text
    }

    static func main() {
        let options = parse(Array(CommandLine.arguments.dropFirst()))
        print("terminal-bench: \(options.columns)x\(options.rows), \(options.bytes >> 10) KiB per run in \(options.chunk >> 10) KiB writes, \(options.runs) runs (after one warm-up), MB/s = 10^6 bytes/s")
        print(pad("payload", 20, left: true) + pad("Lumen MB/s", 12) + pad("(min – max)", 20) + pad("libvterm MB/s", 15)
              + pad("(min – max)", 20) + pad("libtsm MB/s", 13) + pad("(min – max)", 20)
              + pad("/libvterm", 11) + pad("/libtsm", 9) + pad("/faster", 9))
        var sink: UInt32 = 0
        var entries: [String] = []
        for payload in options.payloads {
            let bytes = payload.make(columns: options.columns, rows: options.rows, bytes: options.bytes, seed: 1)
            let size = Double(bytes.count) / 1e6
            _ = timeLumen(bytes, options, sink: &sink)
            _ = timeReference(bytes, options, sink: &sink)
            _ = timeTSM(bytes, options, sink: &sink)
            var lumen = Summary(values: [])
            var reference = Summary(values: [])
            var bare = Summary(values: [])
            var tsm = Summary(values: [])
            for _ in 0 ..< options.runs {  // interleaved, so load on the machine hits all alike
                lumen.values.append(size / timeLumen(bytes, options, sink: &sink))
                reference.values.append(size / timeReference(bytes, options, sink: &sink))
                bare.values.append(size / timeReference(bytes, options, scrollback: false, sink: &sink))
                tsm.values.append(size / timeTSM(bytes, options, sink: &sink))
            }
            let ratio = lumen.median / reference.median
            let tsmRatio = lumen.median / tsm.median
            let fasterRatio = lumen.median / max(reference.median, tsm.median)
            print(pad(payload.rawValue, 20, left: true) + pad(format(lumen.median, 1), 12)
                  + pad("(\(format(lumen.minimum, 1)) – \(format(lumen.maximum, 1)))", 20)
                  + pad(format(reference.median, 1), 15)
                  + pad("(\(format(reference.minimum, 1)) – \(format(reference.maximum, 1)))", 20)
                  + pad(format(tsm.median, 1), 13)
                  + pad("(\(format(tsm.minimum, 1)) – \(format(tsm.maximum, 1)))", 20)
                  + pad(format(ratio, 2) + "×", 11) + pad(format(tsmRatio, 2) + "×", 9) + pad(format(fasterRatio, 2) + "×", 9))
            entries.append("    \"\(payload.rawValue)\": {\"bytes\": \(bytes.count), \"lumen_mbps\": \(lumen.json), \"libvterm_mbps\": \(reference.json), \"ratio\": \(format(ratio, 3)), \"libvterm_without_scrollback_mbps\": \(bare.json), \"libtsm_mbps\": \(tsm.json), \"ratio_libtsm\": \(format(tsmRatio, 3)), \"ratio_faster\": \(format(fasterRatio, 3))}")
        }
        if sink == 0xFFFF_FFFF { print("") }
        if let path = options.json {
            var uts = utsname()
            uname(&uts)
            let machine = withUnsafeBytes(of: &uts.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
            let json = """
                {
                  "benchmark": "terminal parse + grid update, host",
                  "machine": "\(machine), \(cores) cores",
                  "columns": \(options.columns), "rows": \(options.rows),
                  "bytes_per_run": \(options.bytes), "write_bytes": \(options.chunk), "runs": \(options.runs),
                  "unit": "MB/s (10^6 bytes per second)",
                  "reference": "libvterm \(options.referenceVersion) (Debian libvterm-dev), screen layer; libvterm_mbps keeps 10,000 lines of scrollback (sb_pushline into a ring) as Lumen does, libvterm_without_scrollback_mbps sets no sb_pushline; ratio = Lumen median / libvterm_mbps median",
                  "libtsm": "libtsm \(options.tsmVersion) (Debian libtsm-dev), tsm_vte_input into a tsm_screen with 10,000 lines of scrollback; ratio_libtsm = Lumen median / libtsm_mbps median; ratio_faster = Lumen median / the faster peer's median",
                  "payloads": {
                \(entries.joined(separator: ",\n"))
                  }
                }

                """
            guard let file = fopen(path, "w") else {
                fputs("terminal-bench: cannot write \(path)\n", stderr)
                exit(1)
            }
            fputs(json, file)
            fclose(file)
            print("terminal-bench: wrote \(path)")
        }
    }
}
