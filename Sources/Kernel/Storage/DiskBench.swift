import Platform
import Shell
import Storage

/// `disk-bench [MiB]`: the figures `scripts/bench` reports for the first disk —
/// raw sequential reads through the driver, a big file written, synced and read
/// back through FAT, and small files created per second. Uses /bench.tmp and
/// /benchdir on the first volume and removes them afterwards.
enum DiskBench {
    static let chunk = 8 << 20

    static func run(_ context: inout KernelCommandContext, files: Files) -> Int32 {
        let mebibytes = context.arguments.first.flatMap { Int($0) } ?? 64
        guard context.arguments.count <= 1, mebibytes >= 1, mebibytes <= 1024 else { return context.usageError() }
        guard let disk = files.disks.disks.first else { return context.fail("no disk") }
        let bytes = mebibytes << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 4096)
        defer { buffer.deallocate() }
        for index in 0 ..< chunk { buffer[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 12) }

        // Raw: 8 MiB reads, which the driver keeps in flight as eight 1 MiB requests.
        let rawBytes = min(bytes, Int(disk.device.byteCount) / chunk * chunk)
        if rawBytes > 0 {
            let start = GenericTimer.now()
            var sector: UInt64 = 0
            while Int(sector) * 512 < rawBytes {
                do throws(BlockError) { try disk.device.read(sector: sector, count: chunk / 512, into: buffer) } catch {
                    return context.fail("raw read: " + error.message)
                }
                sector += UInt64(chunk / 512)
            }
            report(&context, "raw read", rawBytes, since: start)
        }
        guard let volume = disk.volume, !volume.isReadOnly else {
            return context.fail("the first disk has no writable FAT volume; only raw reads measured")
        }
        // The whole file part under the file layer's lock (httpd waits meanwhile).
        files.lock.lock()
        defer { files.lock.unlock() }
        let path = "/bench.tmp"
        let status = measureFile(&context, volume, path: path, bytes: bytes, buffer: buffer)
        _ = try? volume.remove(path)
        if status != 0 { return status }
        let smallStatus = measureSmallFiles(&context, volume)
        _ = try? volume.sync()
        return smallStatus
    }

    static func measureFile(_ context: inout KernelCommandContext, _ volume: KernelVolume, path: String, bytes: Int,
                            buffer: UnsafeMutableRawBufferPointer) -> Int32 {
        do throws(FATError) {
            try volume.writeFile(path, [])
            var start = GenericTimer.now()
            var offset = 0
            while offset < bytes {
                let count = min(chunk, bytes - offset)
                try volume.write(path, offset: UInt64(offset), from: UnsafeRawBufferPointer(rebasing: buffer[0 ..< count]))
                offset += count
            }
            try volume.sync()
            report(&context, "file write", bytes, since: start)
            start = GenericTimer.now()
            offset = 0
            while offset < bytes {
                let count = try volume.read(path, offset: UInt64(offset), into: buffer)
                if count == 0 { break }
                offset += count
            }
            report(&context, "file read", offset, since: start)
            return 0
        } catch {
            return context.fail(path + ": " + error.message)
        }
    }

    static func measureSmallFiles(_ context: inout KernelCommandContext, _ volume: KernelVolume) -> Int32 {
        let directory = "/benchdir"
        let count = 200
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 100)
        do throws(FATError) {
            if (try? volume.info(directory)) != nil { try removeTree(volume, directory) }
            try volume.makeDirectory(directory)
            let start = GenericTimer.now()
            for index in 0 ..< count { try volume.writeFile(directory + "/file-\(index).txt", body) }
            try volume.sync()
            let elapsed = GenericTimer.now().nanoseconds(since: start)
            let rate = elapsed > 0 ? UInt64(count) * 1_000_000_000 / elapsed : 0
            context.standardOutput.writeLine("disk-bench: small files \(count) in \(elapsed / 1_000_000) ms (\(rate) files/s)")
            try removeTree(volume, directory)
            return 0
        } catch {
            return context.fail(directory + ": " + error.message)
        }
    }

    static func removeTree(_ volume: KernelVolume, _ directory: String) throws(FATError) {
        for entry in try volume.list(directory) where !entry.isDirectory { try volume.remove(directory + "/" + entry.name) }
        try volume.removeDirectory(directory)
    }

    static func report(_ context: inout KernelCommandContext, _ what: String, _ bytes: Int, since start: Instant) {
        let elapsed = GenericTimer.now().nanoseconds(since: start)
        let rate = elapsed > 0 ? UInt64(bytes) * 1000 / elapsed : 0  // bytes per µs = MB/s
        context.standardOutput.writeLine("disk-bench: \(what) \(bytes >> 20) MiB in \(elapsed / 1_000_000) ms (\(rate) MB/s)")
    }
}
