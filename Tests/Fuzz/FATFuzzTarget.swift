// libFuzzer target for Lumen's FAT file system (Sources/Storage).
//
// Built by scripts/fuzz-fat, together with Sources/Storage/**/*.swift into one
// module (no SwiftPM target), with
//   swiftc -sanitize=fuzzer,address -parse-as-library ...
//
// The input IS a disk image. Seeds are small mkfs.fat + mtools images (FAT12,
// FAT16, FAT32) cut after their last used byte; the disk the volume sees is the
// input padded with zeros up to the size its boot sector claims (at most 4 MiB),
// so the cut seeds keep their geometry. Each run:
//   1. mounts the image (most mutations fail here, with an error: fine);
//   2. lists every directory (depth and entry count bounded) and reads every
//      file, whole and in pieces;
//   3. writes, appends, makes a directory, truncates, renames and removes, syncs;
//   4. mounts the result again and reads back what step 3 wrote.
// Errors are expected everywhere. A trap, a sanitizer report, a hang (libFuzzer's
// -timeout), a device write outside the volume, or data that does not read back
// as written is a finding: the invariants below trap with a description.

@_cdecl("LLVMFuzzerTestOneInput")
public func lumenFATFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 512 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    var image = [UInt8](repeating: 0, count: diskSize(input))
    for index in 0 ..< min(size, image.count) { image[index] = input[index] }
    let disk = RAMDisk(image: image)
    disk.isLogging = true
    let clock = { FATTimestamp(year: 2024, month: 6, day: 1, hour: 12) }
    let volume: FATVolume<RAMDisk>
    do {
        volume = try FATVolume.mount(device: disk, clock: clock, cacheBytes: 16 * 1024)
    } catch {
        _ = error.message
        return 0
    }
    // The volume's region in device sectors: nothing may be written past it.
    let volumeSectors = volume.geometry.totalSectors * UInt64(volume.geometry.bytesPerSector / disk.sectorSize)
    if volume.freeBytes > volume.totalBytes { fail("free \(volume.freeBytes) > total \(volume.totalBytes)") }

    var budget = 400
    var firstFile: String?
    var firstDirectory: String?
    explore(volume, "/", depth: 0, budget: &budget, firstFile: &firstFile, firstDirectory: &firstDirectory)

    // Changes. Each may fail; what succeeds must read back.
    let written = pattern(1500)
    let wroteFile = (try? volume.writeFile("/fuzz.txt", written)) != nil
    if wroteFile {
        guard let back = try? volume.readFile("/fuzz.txt") else { fail("cannot read back a file just written") }
        if back != written { fail("file read back differs from what was written") }
    }
    _ = try? volume.append("/fuzz.txt", pattern(700))
    _ = try? volume.makeDirectory("/Fuzz Directory")
    let longWritten = (try? volume.writeFile("/Fuzz Directory/A long file name.bin", pattern(3000))) != nil
    if let file = firstFile {
        _ = try? volume.truncate(file, size: 10)
        _ = try? volume.rename(file, "/Fuzz Directory/renamed")
        _ = try? volume.remove("/Fuzz Directory/renamed")
    }
    if let directory = firstDirectory { _ = try? volume.removeDirectory(directory) }
    _ = try? volume.createFile("/touched")
    _ = try? volume.sync()
    if volume.freeBytes > volume.totalBytes { fail("free \(volume.freeBytes) > total \(volume.totalBytes) after changes") }
    for request in disk.log where request.kind == .write || request.kind == .discard {
        if request.sector + UInt64(request.count) > volumeSectors {
            fail("write of \(request.count) sectors at \(request.sector) outside the volume (\(volumeSectors) sectors)")
        }
    }

    // Mount what we left behind; our own files must still be there.
    disk.isLogging = false
    guard let again = try? FATVolume.mount(device: disk, clock: clock, cacheBytes: 16 * 1024) else { return 0 }
    if longWritten, let back = try? again.readFile("/Fuzz Directory/A long file name.bin"), back != pattern(3000) {
        fail("long-named file differs after a remount")
    }
    budget = 100
    explore(again, "/", depth: 0, budget: &budget, firstFile: &firstFile, firstDirectory: &firstDirectory)
    return 0
}

/// The disk size for an input: what its boot sector says (total sectors times
/// bytes per sector) when that is sane and at most 4 MiB, never less than the
/// input, in whole 512-byte sectors.
func diskSize(_ input: UnsafeBufferPointer<UInt8>) -> Int {
    var bytes = input.count
    let bytesPerSector = Int(input[11]) | Int(input[12]) << 8
    if bytesPerSector >= 512 && bytesPerSector <= 4096 && bytesPerSector & (bytesPerSector - 1) == 0 {
        let total16 = Int(input[19]) | Int(input[20]) << 8
        let total32 = Int(input[32]) | Int(input[33]) << 8 | Int(input[34]) << 16 | Int(input[35]) << 24
        let total = total16 != 0 ? total16 : total32
        bytes = max(bytes, min(total * bytesPerSector, 4 << 20))
    }
    return (bytes + 511) / 512 * 512
}

/// Lists `path` and below (bounded), reading every file whole and in pieces.
func explore(_ volume: FATVolume<RAMDisk>, _ path: String, depth: Int, budget: inout Int,
             firstFile: inout String?, firstDirectory: inout String?) {
    guard depth <= 6, budget > 0, let entries = try? volume.list(path) else { return }
    for entry in entries {
        budget -= 1
        if budget <= 0 { return }
        let child = (path == "/" ? "/" : path + "/") + entry.name
        // A damaged directory may hold two entries with the same name: the path
        // finds the first, so compare with what `info` says about the path.
        guard let found = try? volume.info(child) else { continue }
        if found.isDirectory {
            if firstDirectory == nil { firstDirectory = child }
            explore(volume, child, depth: depth + 1, budget: &budget, firstFile: &firstFile, firstDirectory: &firstDirectory)
            continue
        }
        if firstFile == nil { firstFile = child }
        if let bytes = try? volume.readFile(child), UInt64(bytes.count) != found.size {
            fail("\(child): read \(bytes.count) bytes of \(found.size)")
        }
        var buffer = [UInt8](repeating: 0, count: 300)
        let offset = found.size / 2
        let n = buffer.withUnsafeMutableBytes { (try? volume.read(child, offset: offset, into: $0)) ?? 0 }
        if n < 0 || n > 300 || UInt64(n) > found.size - offset { fail("\(child): partial read of \(n)") }
    }
}

func pattern(_ count: Int) -> [UInt8] {
    (0 ..< count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
}

func fail(_ message: String) -> Never {
    fatalError("FAT invariant: " + message)
}
