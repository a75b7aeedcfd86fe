/// A blocking mutex: a thread that finds it held sleeps until the holder hands
/// it over (in arrival order, so no waiter starves). Not recursive.
public final class ThreadMutex {
    public let name: StaticString
    public internal(set) var owner: ScheduledThread? = nil
    let waiters: WaitQueue

    public init(name: StaticString) {
        self.name = name
        waiters = WaitQueue(name: name)
    }
}
