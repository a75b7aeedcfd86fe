import Wire

extension InternetChecksum {
    /// Source, destination, zero + protocol, length (RFC 793 / 768).
    public mutating func addPseudoHeader(source: IPv4Address, destination: IPv4Address, protocol number: UInt8, length: Int) {
        addPseudoHeader(source: source.value, destination: destination.value, protocol: number, length: length)
    }
}
