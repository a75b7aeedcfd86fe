/// What one pass over a directory learns, kept up to date as the volume changes
/// the directory: every item by its case-folded long and short names, the short
/// names in use, and the runs of free slots. Without it each create scanned the
/// directory twice from the start (to look the name up, then to survey short
/// names and free slots), and creating n files cost O(n²).
///
/// The volume changes directories only through `insert`, `store`, `delete` and
/// `restoreSlots`, which keep their directory's index current (or drop it); an
/// I/O error in the middle of one drops it too, and the next use rebuilds it.
final class DirectoryIndex {
    private var items: [DirectoryItem?] = []
    /// Folded name (long and 8.3 display form) to the position in `items`.
    private var byName: [[UInt16]: Int] = [:]
    /// The 8.3 entry's slot to the position in `items`.
    private var bySlot: [Int: Int] = [:]
    /// Short names of every entry (dot entries and labels included).
    private(set) var taken: Set<ShortName> = []
    /// Free slots (deleted entries, and everything from the end marker on) as
    /// sorted, non-adjacent runs.
    private(set) var free: [Range<Int>] = []
    private(set) var slotCount: Int

    init(slotCount: Int) {
        self.slotCount = slotCount
    }

    static func key(_ name: [UInt16]) -> [UInt16] { name.map(NameFolding.upper) }

    /// While building: an item the scan found.
    func add(_ item: DirectoryItem) {
        taken.insert(item.record.name)
        guard !item.record.isVolumeLabel, !item.record.isDotEntry else { return }
        let position = items.count
        items.append(item)
        bySlot[item.slot] = position
        byName[Self.key(item.record.name.displayName(caseFlags: 0))] = position
        if !item.longName.isEmpty { byName[Self.key(item.longName)] = position }
    }

    /// While building: the free runs, in order.
    func setFree(_ runs: [Range<Int>]) { free = runs }

    func find(_ name: [UInt16]) -> DirectoryItem? {
        guard let position = byName[Self.key(name)] else { return nil }
        return items[position]
    }

    /// After `insert` wrote `item` into slots `item.firstSlot ... item.slot`;
    /// `slotCount` is the directory's size now (it may have grown).
    func inserted(_ item: DirectoryItem, slotCount newCount: Int) {
        if newCount > slotCount {
            addFree(slotCount ..< newCount)
            slotCount = newCount
        }
        removeFree(item.firstSlot ..< (item.slot + 1))
        add(item)
    }

    /// After `store` rewrote the 8.3 entry at `slot`.
    func stored(_ record: DirectoryRecord, at slot: Int) {
        guard let position = bySlot[slot], var item = items[position] else { return }
        item.record = record
        items[position] = item
    }

    /// After `delete` marked the slots of `item` deleted.
    func deleted(_ item: DirectoryItem) {
        if let position = bySlot[item.slot], let stored = items[position] {
            items[position] = nil
            bySlot[item.slot] = nil
            let shortKey = Self.key(stored.record.name.displayName(caseFlags: 0))
            if byName[shortKey] == position { byName[shortKey] = nil }
            if !stored.longName.isEmpty {
                let longKey = Self.key(stored.longName)
                if byName[longKey] == position { byName[longKey] = nil }
            }
        }
        taken.remove(item.record.name)
        addFree(item.firstSlot ..< (item.slot + 1))
    }

    private func addFree(_ run: Range<Int>) {
        var merged = run
        var result: [Range<Int>] = []
        result.reserveCapacity(free.count + 1)
        for existing in free {
            if existing.upperBound < merged.lowerBound || existing.lowerBound > merged.upperBound {
                result.append(existing)
            } else {
                merged = min(existing.lowerBound, merged.lowerBound) ..< max(existing.upperBound, merged.upperBound)
            }
        }
        let position = result.firstIndex { $0.lowerBound > merged.lowerBound } ?? result.count
        result.insert(merged, at: position)
        free = result
    }

    private func removeFree(_ used: Range<Int>) {
        var result: [Range<Int>] = []
        result.reserveCapacity(free.count + 1)
        for run in free {
            if run.upperBound <= used.lowerBound || run.lowerBound >= used.upperBound {
                result.append(run)
                continue
            }
            if run.lowerBound < used.lowerBound { result.append(run.lowerBound ..< used.lowerBound) }
            if run.upperBound > used.upperBound { result.append(used.upperBound ..< run.upperBound) }
        }
        free = result
    }
}
