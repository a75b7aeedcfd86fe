// Host micro-benchmarks of portable modules that have no reference in the same
// process (the terminal's is scripts/terminal-bench, against libvterm): glyph
// blending, surface fills and scrolls, damage tracking (Graphics), FAT32 on a
// RAM disk (Storage) and TCP over an in-memory link (Network). Built by
// scripts/host-bench (release, whole module) and run by scripts/bench.
#if canImport(Glibc)
import Glibc
#endif

@main
struct HostBench {
    static func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }

    struct Summary {
        var values: [Double] = []
        var median: Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
        var json: String {
            "{\"median\": \(median), \"min\": \(values.min() ?? 0), \"max\": \(values.max() ?? 0), \"runs\": \(values.count)}"
        }
        var text: String {
            "\(rounded(median)) (\(rounded(values.min() ?? 0)) – \(rounded(values.max() ?? 0)))"
        }
        func rounded(_ value: Double) -> String { String(Double(Int(value * 10)) / 10) }
    }

    /// A 1024x768 screen of 9x17 text cells (the console's 16 px DejaVu cell):
    /// every cell blended from a coverage mask, over the surface (reading it) and
    /// over a known background (the console's path). Cells per second.
    static func blending(runs: Int, frames: Int) -> (over: Summary, onto: Summary) {
        let width = 1024, height = 768, cellWidth = 9, cellHeight = 17
        let pixels = UnsafeMutablePointer<UInt32>.allocate(capacity: width * height)
        pixels.initialize(repeating: 0x0020_2020, count: width * height)
        defer { pixels.deallocate() }
        let surface = Surface(pixels: pixels, width: width, height: height)
        // A glyph-like mask: an inked stem, anti-aliased edges, empty margins.
        var mask = [UInt8](repeating: 0, count: cellWidth * cellHeight)
        for y in 3 ..< 14 { for x in 2 ..< 7 { mask[y * cellWidth + x] = x == 2 || x == 6 ? 96 : (y % 4 == 0 ? 180 : 255) } }
        let cells = (width / cellWidth) * (height / cellHeight)
        var over = Summary(), onto = Summary()
        mask.withUnsafeBufferPointer { coverage in
            for _ in 0 ..< runs {
                var start = seconds()
                for frame in 0 ..< frames {
                    let color = Color(xrgb: UInt32(0x0040_8000 &+ frame))
                    for row in 0 ..< height / cellHeight {
                        for column in 0 ..< width / cellWidth {
                            surface.blend(coverage: coverage.baseAddress!, width: cellWidth, height: cellHeight, pitch: cellWidth,
                                          at: Point(x: column * cellWidth, y: row * cellHeight), color: color)
                        }
                    }
                }
                over.values.append(Double(cells * frames) / (seconds() - start) / 1e6)
                start = seconds()
                for frame in 0 ..< frames {
                    let color = Color(xrgb: UInt32(0x00C0_C0C0 &- frame))
                    for row in 0 ..< height / cellHeight {
                        for column in 0 ..< width / cellWidth {
                            surface.blend(coverage: coverage.baseAddress!, width: cellWidth, height: cellHeight, pitch: cellWidth,
                                          at: Point(x: column * cellWidth, y: row * cellHeight), color: color,
                                          background: Color(xrgb: 0x0020_2020))
                        }
                    }
                }
                onto.values.append(Double(cells * frames) / (seconds() - start) / 1e6)
            }
        }
        if pixels[width * 5 + 4] == 0x1234_5678 { print("") }  // keep the drawing observable
        return (over, onto)
    }

    /// The console's other pixel work at 1024x768: a full-surface fill (a clear
    /// or a full redraw's backgrounds), the scroll of all but one 16-pixel text
    /// row (what a full-screen scroll moves), both in MB/s of pixels written, at
    /// the surface's own stride and at a padded one; and damage tracking, in
    /// 9x17 cell rectangles added per second (drained every 64, as a frame does).
    static func surfaceWork(runs: Int, rounds: Int) -> (fill: Summary, scroll: Summary, damage: Summary) {
        var fill = Summary(), scroll = Summary(), damage = Summary()
        for _ in 0 ..< runs {
            for stride in [1024, 1040] {
                let pixels = UnsafeMutablePointer<UInt32>.allocate(capacity: stride * 768)
                pixels.initialize(repeating: 0, count: stride * 768)
                defer { pixels.deallocate() }
                let surface = Surface(pixels: pixels, width: 1024, height: 768, stride: stride)
                var start = seconds()
                for round in 0 ..< rounds { surface.fill(surface.bounds, color: Color(xrgb: UInt32(round))) }
                fill.values.append(Double(1024 * 768 * 4 * rounds) / (seconds() - start) / 1e6)
                let band = Rect(x: 0, y: 16, width: 1024, height: 768 - 16)
                start = seconds()
                for _ in 0 ..< rounds { surface.copy(from: band, to: .zero) }
                scroll.values.append(Double(band.area * 4 * rounds) / (seconds() - start) / 1e6)
                if pixels[stride * 5 + 4] == 0x1234_5678 { print("") }  // keep the drawing observable
            }
            var random: UInt64 = 11
            func next(_ bound: Int) -> Int {
                random = random &* 6364136223846793005 &+ 1442695040888963407
                return Int((random >> 33) % UInt64(bound))
            }
            let cells = (0 ..< 4096).map { _ in Rect(x: next(113) * 9, y: next(45) * 17, width: 9, height: 17) }
            var tracker = DamageTracker(width: 1024, height: 768)
            var flushed = 0
            let start = seconds()
            for _ in 0 ..< rounds {
                for (index, cell) in cells.enumerated() {
                    tracker.add(cell)
                    if index & 63 == 63 { tracker.drain { flushed += $0.area } }
                }
            }
            damage.values.append(Double(cells.count * rounds) / (seconds() - start) / 1e6)
            if flushed == 0 { print("") }
        }
        return (fill, scroll, damage)
    }

    /// FAT32 on a RAM disk: a big file written in 1 MiB pieces and synced, read
    /// back, then small files created and synced.
    static func fat(runs: Int, fileMiB: Int, smallFiles: Int) throws(FATError) -> (write: Summary, read: Summary, small: Summary) {
        var write = Summary(), read = Summary(), small = Summary()
        let clock = { FATTimestamp(year: 2026, month: 1, day: 1) }
        for _ in 0 ..< runs {
            let disk = RAMDisk(sectorCount: (fileMiB + 64) << 11)
            try FATFormatter.format(disk, options: FATFormatOptions(kind: .fat32), clock: clock)
            let volume = try FATVolume.mount(device: disk, clock: clock)
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { chunk.deallocate() }
            for index in 0 ..< chunk.count { chunk[index] = UInt8(truncatingIfNeeded: index &* 7) }
            try volume.writeFile("/big.bin", [])
            var start = seconds()
            for piece in 0 ..< fileMiB {
                try volume.write("/big.bin", offset: UInt64(piece << 20), from: UnsafeRawBufferPointer(chunk))
            }
            try volume.sync()
            write.values.append(Double(fileMiB << 20) / (seconds() - start) / 1e6)
            start = seconds()
            var offset: UInt64 = 0
            while true {
                let count = try volume.read("/big.bin", offset: offset, into: chunk)
                if count == 0 { break }
                offset += UInt64(count)
            }
            read.values.append(Double(offset) / (seconds() - start) / 1e6)
            try volume.makeDirectory("/small")
            let body = [UInt8](repeating: 0x78, count: 100)
            start = seconds()
            for index in 0 ..< smallFiles { try volume.writeFile("/small/file-\(index).txt", body) }
            try volume.sync()
            small.values.append(Double(smallFiles) / (seconds() - start))
        }
        return (write, read, small)
    }

    /// TCP between two TCPLayers joined by an in-memory link (no loss): the
    /// protocol engine's own cost, segment encode/parse and checksums included.
    static func tcpLoopback(runs: Int, bytes: Int) -> Summary {
        var result = Summary()
        let client = IPv4Address(10, 0, 0, 1), server = IPv4Address(10, 0, 0, 2)
        for run in 0 ..< runs {
            var seed = UInt32(run + 1)
            let random: () -> UInt32 = { seed = seed &* 1_664_525 &+ 1_013_904_223; return seed }
            let a = TCPLayer(localAddress: { client }, random: random)
            let b = TCPLayer(localAddress: { server }, random: random)
            var wire: [([UInt8], IPv4Address, IPv4Address)] = []
            a.send = { segment, source, destination in wire.append((segment, source, destination)); return true }
            b.send = { segment, source, destination in wire.append((segment, source, destination)); return true }
            guard let listener = b.listen(port: 80) else { return result }
            var now: UInt64 = 1
            let sender = a.connect(to: server, port: 80, now: now)
            var receiver: TCPConnection? = nil
            let chunk = [UInt8](repeating: 0x5A, count: 64 << 10)
            var sent = 0, received = 0
            let start = seconds()
            while received < bytes {
                if sent < bytes { sent += sender.send(Array(chunk.prefix(min(chunk.count, bytes - sent)))) }
                while !wire.isEmpty {
                    let batch = wire
                    wire.removeAll(keepingCapacity: true)
                    for (segment, source, destination) in batch {
                        (destination == server ? b : a).receive(segment: segment, source: source, destination: destination, now: now)
                    }
                }
                if receiver == nil { receiver = listener.accept() }
                if let receiver { received += receiver.receive(maximum: 1 << 20).count }
                now += 1
                a.poll(now: now)
                b.poll(now: now)
            }
            result.values.append(Double(bytes) / (seconds() - start) / 1e6)
        }
        return result
    }

    static func main() {
        var runs = 5, json: String? = nil, smoke = false
        var arguments = Array(CommandLine.arguments.dropFirst())
        while !arguments.isEmpty {
            let argument = arguments.removeFirst()
            switch argument {
            case "--runs": runs = max(1, Int(arguments.isEmpty ? "" : arguments.removeFirst()) ?? 5)
            case "--json": json = arguments.isEmpty ? nil : arguments.removeFirst()
            case "--smoke": smoke = true
            default:
                fputs("usage: host-bench [--runs N] [--json PATH] [--smoke]\n", stderr)
                exit(2)
            }
        }
        if smoke { runs = 1 }
        let (over, onto) = blending(runs: runs, frames: smoke ? 2 : 20)
        print("host-bench: glyph blending, 9x17 cells at 1024x768, Mcells/s: over the surface \(over.text), onto a known background \(onto.text)")
        let surface = surfaceWork(runs: runs, rounds: smoke ? 2 : 200)
        print("host-bench: 1024x768 surface, MB/s of pixels: fill \(surface.fill.text), scroll by a 16 px row \(surface.scroll.text); "
              + "damage tracking \(surface.damage.text) M cell rectangles/s")
        let fileMiB = smoke ? 4 : 64, smallFiles = smoke ? 100 : 1000
        let results: (write: Summary, read: Summary, small: Summary)
        do throws(FATError) { results = try fat(runs: runs, fileMiB: fileMiB, smallFiles: smallFiles) } catch {
            fputs("host-bench: FAT on a RAM disk failed: \(error.message)\n", stderr)
            exit(1)
        }
        print("host-bench: FAT32 on a RAM disk: \(fileMiB) MiB file write \(results.write.text) MB/s, read \(results.read.text) MB/s; "
              + "\(smallFiles) small files \(results.small.text) files/s")
        let tcpBytes = smoke ? 1 << 20 : 16 << 20
        let tcp = tcpLoopback(runs: runs, bytes: tcpBytes)
        print("host-bench: TCP over an in-memory loopback link, \(tcpBytes >> 20) MiB: \(tcp.text) MB/s")
        guard let json else { return }
        let text = """
            {
              "glyph_blend_mcells_per_s": \(over.json),
              "glyph_blend_onto_background_mcells_per_s": \(onto.json),
              "surface_fill_mbps": \(surface.fill.json),
              "surface_scroll_mbps": \(surface.scroll.json),
              "damage_tracking_mrects_per_s": \(surface.damage.json),
              "fat_ramdisk_write_mbps": \(results.write.json),
              "fat_ramdisk_read_mbps": \(results.read.json),
              "fat_ramdisk_small_files_per_s": \(results.small.json),
              "tcp_loopback_mbps": \(tcp.json),
              "file_mib": \(fileMiB), "small_files": \(smallFiles)
            }

            """
        guard let file = fopen(json, "w") else {
            fputs("host-bench: cannot write \(json)\n", stderr)
            exit(1)
        }
        fputs(text, file)
        fclose(file)
    }
}
