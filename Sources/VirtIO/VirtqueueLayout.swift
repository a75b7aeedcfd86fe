/// Where the three parts of a split virtqueue (§2.7) sit in one allocation.
///
/// descriptor table: 16 bytes × size, 16-aligned
/// driver area (avail): flags, idx, ring[size], used_event — 2-aligned
/// device area (used): flags, idx, ring[size] of (id, len), avail_event — 4-aligned,
///   and for legacy devices on the next `legacyAlignment` boundary (§2.7.2 legacy interface)
public struct VirtqueueLayout: Equatable {
    public let size: Int
    public let descriptorOffset: Int
    public let driverOffset: Int
    public let deviceOffset: Int
    public let totalSize: Int

    public static let descriptorBytes = 16

    public init(size: Int, legacy: Bool, legacyAlignment: Int = 4096) {
        self.size = size
        descriptorOffset = 0
        driverOffset = VirtqueueLayout.descriptorBytes * size
        let driverEnd = driverOffset + 6 + 2 * size
        let usedBytes = 6 + 8 * size
        if legacy {
            deviceOffset = VirtqueueLayout.align(driverEnd, legacyAlignment)
            totalSize = deviceOffset + VirtqueueLayout.align(usedBytes, legacyAlignment)
        } else {
            deviceOffset = VirtqueueLayout.align(driverEnd, 4)
            totalSize = deviceOffset + usedBytes
        }
    }

    static func align(_ value: Int, _ alignment: Int) -> Int { (value + alignment - 1) / alignment * alignment }
}
