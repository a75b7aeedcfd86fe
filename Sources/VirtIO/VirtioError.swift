/// What can go wrong talking to a VirtIO device. Each case has words for the log.
public enum VirtioError: Error, Equatable {
    case noDevice
    case badMagic(UInt32)
    case unsupportedVersion(UInt32)
    /// The device refused our feature subset (FEATURES_OK did not stick).
    case featuresRejected
    /// A modern device that does not offer VERSION_1.
    case missingVersion1
    case queueUnavailable(index: Int)
    case queueTooSmall(index: Int, size: Int)
    case queueAlreadyInUse(index: Int)
    case outOfMemory
    /// The device put something impossible in a used ring; it is no longer trusted.
    case deviceBroken
    case deviceNeedsReset
    case timeout
    case chainTooLong
    case emptyChain
    /// §2.7.4.2: device-writable buffers must follow the device-readable ones.
    case readableAfterWritable
    case noFreeDescriptors

    public var message: String {
        switch self {
        case .noDevice: return "no device in this slot"
        case .badMagic(let value): return "bad magic value " + hex32(value) + " (expected 0x74726976)"
        case .unsupportedVersion(let version): return "unsupported virtio-mmio version \(version)"
        case .featuresRejected: return "the device rejected the negotiated features (FEATURES_OK not set)"
        case .missingVersion1: return "modern device does not offer VERSION_1"
        case .queueUnavailable(let index): return "queue \(index) does not exist (QueueNumMax is 0)"
        case .queueTooSmall(let index, let size): return "queue \(index) is too small (\(size) entries)"
        case .queueAlreadyInUse(let index): return "queue \(index) is already in use"
        case .outOfMemory: return "out of DMA memory"
        case .deviceBroken: return "the device reported nonsense in its used ring and was disabled"
        case .deviceNeedsReset: return "the device needs a reset (DEVICE_NEEDS_RESET)"
        case .timeout: return "the device did not answer in time"
        case .chainTooLong: return "descriptor chain longer than the queue allows"
        case .emptyChain: return "a request needs at least one buffer"
        case .readableAfterWritable: return "a device-readable buffer follows a device-writable one"
        case .noFreeDescriptors: return "no free descriptors"
        }
    }
}

func hex32(_ value: UInt32) -> String {
    var digits = String(value, radix: 16)
    while digits.utf8.count < 8 { digits = "0" + digits }
    return "0x" + digits
}
