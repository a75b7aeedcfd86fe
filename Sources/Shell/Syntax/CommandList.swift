/// How a pipeline depends on the one before it.
public enum ListConnector: Equatable {
    /// First in the list, or after `;` (or a newline): always runs.
    case always
    /// After `&&`: runs only if the previous status is 0.
    case ifSucceeded
    /// After `||`: runs only if the previous status is not 0.
    case ifFailed
}

/// One pipeline of a command line with the condition it runs under.
public struct CommandListItem: Equatable {
    public var connector: ListConnector
    public var pipeline: Pipeline

    public init(_ connector: ListConnector, _ pipeline: Pipeline) {
        self.connector = connector
        self.pipeline = pipeline
    }
}

/// A whole parsed command line: pipelines joined by `;`, `&&` and `||`, which
/// (as in sh) all bind equally tightly and are evaluated left to right. An empty
/// or comment-only line is an empty list.
public struct CommandList: Equatable {
    public var items: [CommandListItem]

    public init(_ items: [CommandListItem] = []) {
        self.items = items
    }

    public var isEmpty: Bool { items.isEmpty }
}
