#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// "Physical memory" for the host tests: one anonymous mapping placed low in the
/// address space (below 2^44, so a legacy QueuePFN — a 32-bit page number — can
/// hold every address, as on the real machine where RAM starts at 1 GiB), with a
/// first-fit allocator over it. Physical address == pointer bits.
///
/// The device model reaches guest memory only through `pointer(to:length:)`, which
/// checks that the range lies inside a live allocation, so a driver bug that hands
/// the device a stale or wild address is reported as a violation instead of
/// corrupting the test process.
final class GuestMemory {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    /// Free ranges (offset, size), sorted by offset, coalesced.
    private var freeRanges: [(offset: Int, size: Int)]
    /// Live allocations (offset, size), sorted by offset.
    private(set) var live: [(offset: Int, size: Int)] = []
    private(set) var doubleFrees = 0
    private(set) var allocationCount = 0
    private(set) var freeCount = 0

    init(capacity: Int = 64 << 20) {
        var hint: UInt = 0x2_0000_0000
        var mapped: UnsafeMutableRawPointer? = nil
        while hint < (1 << 43) {
            let result = mmap(UnsafeMutableRawPointer(bitPattern: hint), capacity, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            if let result, result != MAP_FAILED {
                if UInt(bitPattern: result) + UInt(capacity) <= (1 << 44) {
                    mapped = result
                    break
                }
                munmap(result, capacity)
            }
            hint += 1 << 32
        }
        guard let mapped else { fatalError("GuestMemory: no low address range available") }
        base = mapped
        self.capacity = capacity
        freeRanges = [(0, capacity)]
    }

    deinit { munmap(base, capacity) }

    var liveBytes: Int { live.reduce(0) { $0 + $1.size } }

    func allocate(size: Int, alignment: Int) -> UnsafeMutableRawPointer? {
        guard size > 0, alignment > 0, alignment & (alignment - 1) == 0 else { return nil }
        let rounded = (size + 15) & ~15
        let baseAddress = Int(bitPattern: UInt(bitPattern: base))
        for (i, range) in freeRanges.enumerated() {
            let start = ((baseAddress + range.offset + alignment - 1) & ~(alignment - 1)) - baseAddress
            let end = start + rounded
            guard end <= range.offset + range.size else { continue }
            var replacement: [(offset: Int, size: Int)] = []
            if start > range.offset { replacement.append((range.offset, start - range.offset)) }
            if end < range.offset + range.size { replacement.append((end, range.offset + range.size - end)) }
            freeRanges.replaceSubrange(i...i, with: replacement)
            let position = live.firstIndex { $0.offset > start } ?? live.count
            live.insert((start, rounded), at: position)
            allocationCount += 1
            let pointer = base + start
            memset(pointer, 0, rounded)
            return pointer
        }
        return nil
    }

    func free(_ pointer: UnsafeMutableRawPointer) {
        let offset = pointer - base
        guard let index = live.firstIndex(where: { $0.offset == offset }) else {
            doubleFrees += 1
            return
        }
        let range = live.remove(at: index)
        freeCount += 1
        // Poison freed memory so a use after free shows up as nonsense.
        memset(pointer, 0xa5, range.size)
        let position = freeRanges.firstIndex { $0.offset > range.offset } ?? freeRanges.count
        freeRanges.insert(range, at: position)
        // Coalesce with the following range, then with the preceding one.
        if position + 1 < freeRanges.count,
           freeRanges[position].offset + freeRanges[position].size == freeRanges[position + 1].offset {
            freeRanges[position].size += freeRanges[position + 1].size
            freeRanges.remove(at: position + 1)
        }
        if position > 0, freeRanges[position - 1].offset + freeRanges[position - 1].size == freeRanges[position].offset {
            freeRanges[position - 1].size += freeRanges[position].size
            freeRanges.remove(at: position)
        }
    }

    /// The host pointer for a device access of `length` bytes at `address`, or nil
    /// if the range is not inside one live allocation.
    func pointer(to address: UInt64, length: Int) -> UnsafeMutableRawPointer? {
        let baseAddress = UInt64(UInt(bitPattern: base))
        guard length >= 0, address >= baseAddress else { return nil }
        let (end, overflow) = address.addingReportingOverflow(UInt64(length))
        guard !overflow, end <= baseAddress + UInt64(capacity) else { return nil }
        let offset = Int(address - baseAddress)
        // Last allocation starting at or before `offset`.
        var low = 0, high = live.count
        while low < high {
            let mid = (low + high) / 2
            if live[mid].offset <= offset { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        let range = live[low - 1]
        guard offset + length <= range.offset + range.size else { return nil }
        return UnsafeMutableRawPointer(bitPattern: UInt(address))
    }
}

extension GuestMemory {
    /// Every guest byte of `buffers`, in order (what a device reads from a chain).
    func gather(_ buffers: [ModelBuffer]) -> [UInt8] {
        var bytes: [UInt8] = []
        for buffer in buffers where buffer.length > 0 {
            guard let pointer = pointer(to: buffer.address, length: Int(buffer.length)) else { continue }
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: Int(buffer.length)))
        }
        return bytes
    }

    /// Writes `bytes` across `buffers`, in order (what a device writes into a chain).
    func scatter(_ bytes: ArraySlice<UInt8>, into buffers: [ModelBuffer]) {
        var position = bytes.startIndex
        for buffer in buffers where buffer.length > 0 && position < bytes.endIndex {
            guard let pointer = pointer(to: buffer.address, length: Int(buffer.length)) else { continue }
            let count = min(Int(buffer.length), bytes.endIndex - position)
            bytes[position ..< position + count].withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: count) }
            position += count
        }
    }
}
