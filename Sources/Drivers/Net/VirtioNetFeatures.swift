import VirtIO

/// virtio-net's device-specific feature bits (VirtIO 1.2 §5.1.3) that Lumen's driver
/// knows. The segmentation offloads (TSO/UFO/GSO) are deliberately absent: without
/// them every frame is at most one MTU, which keeps buffers fixed-size.
extension Features {
    /// The device checksums outgoing frames the driver marks NEEDS_CSUM.
    public static let netChecksum = Features(bit: 0)
    /// The device tells the driver when a received frame's checksum was verified.
    public static let netGuestChecksum = Features(bit: 1)
    public static let netMAC = Features(bit: 5)
    public static let netMergeableReceiveBuffers = Features(bit: 15)
    public static let netStatus = Features(bit: 16)
    public static let netControlQueue = Features(bit: 17)
    public static let netControlReceiveMode = Features(bit: 18)
    public static let netControlMACAddress = Features(bit: 23)
}

/// The per-frame header (struct virtio_net_hdr, §5.1.6) in front of every frame on
/// both queues. 10 bytes on a legacy device without MRG_RXBUF; 12 (with
/// `num_buffers`) with MRG_RXBUF or VERSION_1.
public enum VirtioNetHeader {
    public static let flagNeedsChecksum: UInt8 = 1
    public static let flagDataValid: UInt8 = 2
    public static let gsoNone: UInt8 = 0

    static let flagsOffset = 0
    static let gsoTypeOffset = 1
    static let headerLengthOffset = 2
    static let gsoSizeOffset = 4
    static let checksumStartOffset = 6
    static let checksumOffsetOffset = 8
    static let bufferCountOffset = 10

    /// The header's size for the negotiated features.
    public static func length(features: Features, legacy: Bool) -> Int {
        (!legacy || features.contains(.netMergeableReceiveBuffers)) ? 12 : 10
    }
}

/// Config-space layout (§5.1.4) and control-queue codes (§5.1.6.5).
enum VirtioNetConstants {
    static let configMAC = 0
    static let configStatus = 6
    static let statusLinkUp: UInt16 = 1
    static let statusAnnounce: UInt16 = 2

    static let receiveQueue = 0
    static let transmitQueue = 1
    /// Without MQ the control queue is the third one.
    static let controlQueue = 2

    static let classReceive: UInt8 = 0
    static let commandPromiscuous: UInt8 = 0
    static let commandAllMulticast: UInt8 = 1
    static let classMAC: UInt8 = 1
    static let commandMACTableSet: UInt8 = 0
    static let commandMACAddressSet: UInt8 = 1
    static let ackOK: UInt8 = 0
    static let ackError: UInt8 = 1
}
