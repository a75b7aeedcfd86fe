/// The driver side of device initialisation (§3.1.1), shared by every driver.
public enum DeviceInitialization {
    /// Reset, ACKNOWLEDGE, DRIVER, feature negotiation and (modern) FEATURES_OK with
    /// its read-back check. Returns the negotiated features; the caller then sets
    /// up its queues and calls `finish`. On error the device is left FAILED.
    public static func negotiate<T: VirtioTransport>(_ transport: T, driverSupports: Features) throws(VirtioError) -> Features {
        transport.reset()
        transport.writeStatus(.acknowledge)
        transport.writeStatus([.acknowledge, .driver])
        let offered = transport.readDeviceFeatures()
        var wanted = driverSupports.intersection(offered)
        if transport.isLegacy {
            wanted.remove(.version1)
            transport.setGuestPageSize(4096)
        } else {
            guard offered.contains(.version1) else {
                fail(transport)
                throw .missingVersion1
            }
            wanted.insert(.version1)
        }
        // Lumen drives split rings only.
        wanted.remove(.ringPacked)
        transport.writeDriverFeatures(wanted)
        if !transport.isLegacy {
            transport.writeStatus([.acknowledge, .driver, .featuresOK])
            guard transport.readStatus().contains(.featuresOK) else {
                fail(transport)
                throw .featuresRejected
            }
        }
        return wanted
    }

    /// DRIVER_OK: the device is live.
    public static func finish<T: VirtioTransport>(_ transport: T) {
        let status = transport.readStatus()
        transport.writeStatus(status.union(.driverOK))
    }

    public static func fail<T: VirtioTransport>(_ transport: T) {
        let status = transport.readStatus()
        transport.writeStatus(status.union(.failed))
    }

    /// Whether the device asked to be reset (§2.1.2).
    public static func needsReset<T: VirtioTransport>(_ transport: T) -> Bool {
        transport.readStatus().contains(.deviceNeedsReset)
    }
}
