/// The FAT32 FSInfo sector: a hint of the free cluster count and of where to look
/// for the next free cluster. Only a hint: Lumen recounts at mount and writes the
/// true values back on sync.
enum FSInfo {
    static let leadSignature: UInt32 = 0x4161_5252
    static let structSignature: UInt32 = 0x6141_7272
    static let trailSignature: UInt32 = 0xAA55_0000
    static let leadOffset = 0
    static let structOffset = 484
    static let freeCountOffset = 488
    static let nextFreeOffset = 492
    static let trailOffset = 508
    /// "Unknown" for both fields.
    static let unknown: UInt32 = 0xFFFF_FFFF
}
