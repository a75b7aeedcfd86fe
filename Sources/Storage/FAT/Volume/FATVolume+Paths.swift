/// Turning paths into directories and entries.
extension FATVolume {
    /// A file or directory and the directory that holds its entry.
    struct Located {
        var directory: DirectoryHandle
        var item: DirectoryItem
    }

    /// Opens the directory named by `components`, and lists the first clusters of
    /// every directory on the way (root first, the directory itself last).
    func walk(_ components: ArraySlice<[UInt16]>, path: String) throws(FATError) -> (DirectoryHandle, [UInt32]) {
        var directory = try openRoot()
        var chain: [UInt32] = [directory.firstCluster]
        for name in components {
            guard let item = try find(name, in: directory) else { throw .notFound(path) }
            guard item.record.isDirectory else { throw .notADirectory(path) }
            directory = try openDirectory(item)
            chain.append(directory.firstCluster)
        }
        return (directory, chain)
    }

    /// The directory that holds (or would hold) `path`'s last component, that
    /// component, and the clusters of the directories on the way. The root itself
    /// has no parent: `.isADirectory`.
    func parent(of path: String) throws(FATError) -> (directory: DirectoryHandle, name: [UInt16], chain: [UInt32]) {
        let components = FATPath.components(path)
        guard let name = components.last else { throw .isADirectory(path) }
        let (directory, chain) = try walk(components.dropLast(), path: path)
        return (directory, name, chain)
    }

    /// The existing file or directory at `path` (not the root).
    func locate(_ path: String) throws(FATError) -> Located {
        let (directory, name, _) = try parent(of: path)
        guard let item = try find(name, in: directory) else { throw .notFound(path) }
        return Located(directory: directory, item: item)
    }

    /// The directory at `path` (the root included).
    func directory(_ path: String) throws(FATError) -> DirectoryHandle {
        try walk(FATPath.components(path)[...], path: path).0
    }

    func checkName(_ name: [UInt16], path: String) throws(FATError) {
        if let problem = LongName.problem(with: name) { throw .invalidName(problem + " (" + path + ")") }
    }
}
