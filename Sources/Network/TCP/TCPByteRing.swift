/// A fixed-capacity FIFO of bytes (the send and receive buffers). Bulk copies
/// keep a 4 MiB transfer cheap even in debug builds.
struct TCPByteRing {
    private var storage: [UInt8]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        storage = [UInt8](repeating: 0, count: max(1, capacity))
    }

    var capacity: Int { storage.count }
    var free: Int { storage.count - count }
    var isEmpty: Bool { count == 0 }

    /// Appends as many bytes of `bytes` as fit; returns how many.
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        let n = min(bytes.count, free)
        if n == 0 { return 0 }
        let cap = storage.count
        let tail = (head + count) % cap
        let first = min(n, cap - tail)
        storage.withUnsafeMutableBytes { dst in
            UnsafeMutableRawBufferPointer(rebasing: dst[tail..<(tail + first)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<first]))
            if first < n {
                UnsafeMutableRawBufferPointer(rebasing: dst[0..<(n - first)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[first..<n]))
            }
        }
        count += n
        return n
    }

    mutating func append(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Copies `length` bytes starting `offset` bytes after the head (clamped to what is stored).
    func copy(offset: Int, length: Int) -> [UInt8] {
        guard offset >= 0, offset < count, length > 0 else { return [] }
        let n = min(length, count - offset)
        let cap = storage.count
        let start = (head + offset) % cap
        let first = min(n, cap - start)
        var out = [UInt8](repeating: 0, count: n)
        out.withUnsafeMutableBytes { dst in
            storage.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(rebasing: dst[0..<first])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: src[start..<(start + first)]))
                if first < n {
                    UnsafeMutableRawBufferPointer(rebasing: dst[first..<n])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: src[0..<(n - first)]))
                }
            }
        }
        return out
    }

    mutating func removeFirst(_ n: Int) {
        let k = min(max(0, n), count)
        head = (head + k) % storage.count
        count -= k
        if count == 0 { head = 0 }
    }
}
