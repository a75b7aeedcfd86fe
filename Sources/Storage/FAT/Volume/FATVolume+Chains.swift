/// Cluster chains: following them (every step validated and bounded, so a damaged
/// FAT gives `.corrupt`, never a hang), allocating and freeing.
extension FATVolume {
    /// The cluster after `cluster` in its chain, nil at the end of the chain.
    func nextCluster(after cluster: UInt32) throws(FATError) -> UInt32? {
        let value = try fatEntry(cluster)
        let kind = geometry.kind
        if value >= kind.endOfChainMinimum { return nil }
        if value == kind.badCluster { throw .corrupt("cluster chain runs into a bad cluster after cluster \(cluster)") }
        if value == 0 { throw .corrupt("cluster chain runs into free cluster after cluster \(cluster)") }
        if value < 2 || value > geometry.maxCluster {
            throw .corrupt("cluster \(value) out of range (FAT entry of cluster \(cluster); last cluster is \(geometry.maxCluster))")
        }
        return value
    }

    /// Checks a first cluster read from a directory entry.
    func checkFirstCluster(_ cluster: UInt32, of name: [UInt16]) throws(FATError) {
        if cluster < 2 || cluster > geometry.maxCluster {
            throw .corrupt("directory entry \"" + String(decoding: name, as: UTF16.self)
                + "\": first cluster \(cluster) outside the volume (2...\(geometry.maxCluster))")
        }
    }

    /// Thrown when a walk takes more steps than there are clusters: it must be going round.
    func loopError(_ cluster: UInt32) -> FATError {
        .corrupt("cluster chain loops at cluster \(cluster)")
    }

    /// Where to start walking `first`'s chain to reach `index`: the cursor when it
    /// is on this chain at or before `index`, else the start.
    private func walkStart(_ first: UInt32, _ index: Int) -> (Int, UInt32) {
        if chainCursor.first == first && chainCursor.generation == chainGeneration && chainCursor.index <= index {
            return (chainCursor.index, chainCursor.cluster)
        }
        return (0, first)
    }

    func rememberPosition(first: UInt32, index: Int, cluster: UInt32) {
        chainCursor = ChainCursor(first: first, index: index, cluster: cluster, generation: chainGeneration)
    }

    /// The cluster at position `index` of the chain starting at `first` (a valid
    /// cluster), or nil when the chain is shorter.
    func cluster(at index: Int, first: UInt32) throws(FATError) -> UInt32? {
        var (position, cluster) = walkStart(first, index)
        while position < index {
            guard let next = try nextCluster(after: cluster) else {
                rememberPosition(first: first, index: position, cluster: cluster)
                return nil
            }
            position += 1
            if position >= Int(geometry.clusterCount) { throw loopError(next) }
            cluster = next
        }
        rememberPosition(first: first, index: position, cluster: cluster)
        return cluster
    }

    /// Length and last cluster of the chain starting at `first` (a valid cluster).
    /// Walks from the cursor when it can; a loop is caught by Brent's cycle
    /// detection (within about twice the loop's reach), and the cluster count
    /// bounds the walk regardless.
    func chainEnd(first: UInt32) throws(FATError) -> (count: Int, last: UInt32) {
        var (position, cluster) = walkStart(first, Int.max)
        var loop = LoopDetector(start: cluster)
        while let next = try nextCluster(after: cluster) {
            position += 1
            if position >= Int(geometry.clusterCount) || loop.revisits(next) { throw loopError(next) }
            cluster = next
        }
        rememberPosition(first: first, index: position, cluster: cluster)
        return (position + 1, cluster)
    }

    /// `chainEnd` for a file about to be read: the whole chain is checked once
    /// (so a loop anywhere in it is an error, not repeated data) and the answer
    /// kept until the FAT changes, so reading a file piece by piece walks it once.
    func validatedChain(first: UInt32) throws(FATError) -> (count: Int, last: UInt32) {
        if let known = validated, known.first == first, known.generation == fatGeneration {
            return (known.count, known.last)
        }
        let end = try chainEnd(first: first)
        validated = ValidatedChain(first: first, generation: fatGeneration, count: end.count, last: end.last)
        return end
    }

    /// Allocates `count` clusters as one chain, linked after `last` when given,
    /// and returns the first. Next fit: the search starts right after `last` (so a
    /// growing file stays contiguous when it can), else at the hint. All or
    /// nothing: on `.noSpace` or an I/O error nothing stays allocated.
    func allocateClusters(_ count: Int, after last: UInt32?) throws(FATError) -> UInt32 {
        guard count > 0 else { fatalError("FATVolume: allocating no clusters") }
        guard UInt64(count) <= UInt64(freeClusterCount) else { throw .noSpace }
        fatGeneration += 1
        let maxCluster = geometry.maxCluster
        var candidate = nextFreeHint
        if let last, last < maxCluster { candidate = last + 1 }
        if candidate < 2 || candidate > maxCluster { candidate = 2 }
        var first: UInt32 = 0
        var previous: UInt32 = 0
        var taken = 0
        var scanned: UInt32 = 0
        do throws(FATError) {
            while taken < count && scanned < geometry.clusterCount {
                if try fatEntry(candidate) == 0 {
                    if previous != 0 { try setFATEntry(previous, candidate) } else { first = candidate }
                    previous = candidate
                    taken += 1
                    freeClusterCount -= 1
                }
                scanned += 1
                candidate = candidate == maxCluster ? 2 : candidate + 1
            }
            if taken > 0 { try setFATEntry(previous, geometry.kind.endOfChain) }
            if taken < count {
                // The count was wrong (a damaged FAT): now we know the truth.
                freeClusterCount = 0
                if first != 0 { try freeChain(first) }
                throw FATError.noSpace
            }
            if let last { try setFATEntry(last, first) }
        } catch {
            if error != .noSpace && first != 0 {
                if taken > 0 { try? setFATEntry(previous, geometry.kind.endOfChain) }
                try? freeChain(first)
            }
            throw error
        }
        nextFreeHint = candidate
        return first
    }

    /// Frees the chain starting at `first`. Lenient on purpose: it stops at the end
    /// of the chain or at anything invalid (a free cluster, a bad marker, an
    /// out-of-range link, too many steps) instead of failing, so a damaged file
    /// can still be deleted; whatever it could not reach is left as lost clusters.
    func freeChain(_ first: UInt32) throws(FATError) {
        chainGeneration += 1
        fatGeneration += 1
        var cluster = first
        var steps: UInt32 = 0
        while cluster >= 2 && cluster <= geometry.maxCluster && steps < geometry.clusterCount {
            let value = try fatEntry(cluster)
            if value == 0 { break }
            try setFATEntry(cluster, 0)
            if freeClusterCount < geometry.clusterCount { freeClusterCount += 1 }
            if value >= geometry.kind.badCluster { break }
            cluster = value
            steps += 1
        }
    }

    /// Cuts the chain starting at `first` after `keep` clusters (keep >= 1) and
    /// frees the rest.
    func shortenChain(first: UInt32, keep: Int) throws(FATError) {
        guard let last = try cluster(at: keep - 1, first: first) else { return }
        let value = try fatEntry(last)
        guard value < geometry.kind.badCluster else { return }
        try setFATEntry(last, geometry.kind.endOfChain)
        if value >= 2 && value <= geometry.maxCluster {
            try freeChain(value)
        } else {
            chainGeneration += 1
            fatGeneration += 1
        }
    }
}

/// Brent's cycle detection over a walk: remembers one cluster and moves it
/// forward at doubling intervals; meeting it again means the walk goes round.
struct LoopDetector {
    private var saved: UInt32
    private var power = 1
    private var steps = 0

    init(start: UInt32) { saved = start }

    mutating func revisits(_ cluster: UInt32) -> Bool {
        if cluster == saved { return true }
        steps += 1
        if steps == power {
            saved = cluster
            power *= 2
            steps = 0
        }
        return false
    }
}
