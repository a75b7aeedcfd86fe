/// Memory a device may read or write: zeroed, aligned, physically contiguous,
/// with the address the device must be given.
public struct DMABuffer {
    public let pointer: UnsafeMutableRawPointer
    public let physicalAddress: UInt64
    public let size: Int
    public init(pointer: UnsafeMutableRawPointer, physicalAddress: UInt64, size: Int) {
        self.pointer = pointer
        self.physicalAddress = physicalAddress
        self.size = size
    }
}
