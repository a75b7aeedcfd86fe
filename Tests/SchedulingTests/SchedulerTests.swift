import Scheduling
import XCTest

/// The scheduling rules without a CPU: who runs after whom, waits, deadlines,
/// cancellation (Ctrl-C) and mutex hand-over.
final class SchedulerTests: XCTestCase {
    var scheduler: Scheduler!
    var boot: ScheduledThread!

    override func setUp() {
        boot = ScheduledThread(id: 1, name: "boot", priority: .idle)
        scheduler = Scheduler(running: boot)
    }

    func thread(_ name: String, _ priority: ThreadPriority) -> ScheduledThread {
        let thread = ScheduledThread(id: scheduler.makeID(), name: name, priority: priority)
        scheduler.add(thread)
        return thread
    }

    func testHigherPriorityRunsFirstAndPreempts() {
        let shell = thread("shell", .shell)
        XCTAssertTrue(scheduler.shouldPreempt)
        XCTAssertTrue(scheduler.switchToNext() === shell)
        let events = thread("events", .driver)
        XCTAssertTrue(scheduler.shouldPreempt, "a driver thread outranks the shell")
        XCTAssertTrue(scheduler.switchToNext() === events)
        XCTAssertEqual(shell.state, .ready)
        // The driver thread blocks: the shell gets the CPU back.
        let queue = WaitQueue(name: "irq")
        scheduler.block(on: queue)
        XCTAssertTrue(scheduler.switchToNext() === shell)
        XCTAssertFalse(scheduler.shouldPreempt)
        scheduler.wakeOne(queue)
        XCTAssertEqual(events.wakeReason, .woken)
        XCTAssertTrue(scheduler.shouldPreempt)
        XCTAssertTrue(scheduler.switchToNext() === events)
    }

    func testLowerPriorityDoesNotPreemptAndEqualOnesTakeTurnsOnYield() {
        let a = thread("a", .shell)
        XCTAssertTrue(scheduler.switchToNext() === a)
        let background = thread("httpd", .background)
        XCTAssertFalse(scheduler.shouldPreempt)
        XCTAssertTrue(scheduler.switchToNext() === a, "no switch without a better thread")
        let b = thread("b", .shell)
        XCTAssertTrue(scheduler.switchToNext() === a, "an equal thread waits for a yield")
        XCTAssertTrue(scheduler.switchToNext(yielding: true) === b)
        XCTAssertTrue(scheduler.switchToNext(yielding: true) === a)
        XCTAssertEqual(background.state, .ready)
    }

    func testWaitQueueWakesInArrivalOrder() {
        let queue = WaitQueue(name: "input")
        let first = thread("first", .shell)
        let second = thread("second", .shell)
        scheduler.switchToNext()
        XCTAssertTrue(scheduler.current === first)
        scheduler.block(on: queue)
        scheduler.switchToNext()
        XCTAssertTrue(scheduler.current === second)
        scheduler.block(on: queue)
        scheduler.switchToNext()
        XCTAssertTrue(scheduler.current === boot, "the idle context runs when everyone waits")
        XCTAssertEqual(queue.count, 2)
        XCTAssertTrue(scheduler.wakeOne(queue) === first)
        XCTAssertEqual(scheduler.wakeAll(queue), 1)
        XCTAssertTrue(queue.isEmpty)
        XCTAssertTrue(scheduler.switchToNext() === first)
    }

    func testDeadlinesExpireInOrderAndAWakeCancelsTheDeadline() {
        let a = thread("a", .shell)
        let b = thread("b", .shell)
        let queue = WaitQueue(name: "q")
        scheduler.switchToNext()
        scheduler.block(on: nil, until: 300)
        scheduler.switchToNext()
        XCTAssertTrue(scheduler.current === b)
        scheduler.block(on: queue, until: 100)
        scheduler.switchToNext()
        XCTAssertEqual(scheduler.nextDeadline, 100)
        XCTAssertEqual(scheduler.expire(now: 99), 0)
        XCTAssertEqual(scheduler.expire(now: 150), 1)
        XCTAssertEqual(b.wakeReason, .timedOut)
        XCTAssertTrue(queue.isEmpty, "a timed-out waiter leaves its queue")
        XCTAssertEqual(scheduler.nextDeadline, 300)
        // b waits again; a wake before the deadline removes the deadline.
        scheduler.switchToNext()
        XCTAssertTrue(scheduler.current === b)
        scheduler.block(on: queue, until: 200)
        scheduler.switchToNext()
        scheduler.wakeOne(queue)
        XCTAssertEqual(b.wakeReason, .woken)
        XCTAssertEqual(scheduler.nextDeadline, 300)
        XCTAssertEqual(scheduler.expire(now: 1000), 1)
        XCTAssertEqual(a.wakeReason, .timedOut)
        XCTAssertNil(scheduler.nextDeadline)
    }

    func testCancelEndsACancellableWaitOrTheNextOne() {
        let shell = thread("shell", .shell)
        let queue = WaitQueue(name: "disk")
        scheduler.switchToNext()
        // Not cancellable: Ctrl-C is remembered, the wait goes on.
        scheduler.block(on: queue)
        scheduler.switchToNext()
        scheduler.cancel(shell)
        XCTAssertEqual(shell.state, .blocked)
        scheduler.wakeOne(queue)
        scheduler.switchToNext()
        XCTAssertTrue(scheduler.current === shell)
        XCTAssertFalse(scheduler.block(on: queue, cancellable: true), "the pending cancel ends the next wait at once")
        XCTAssertEqual(shell.wakeReason, .cancelled)
        XCTAssertEqual(shell.state, .running)
        // Cancellable: woken at once.
        XCTAssertTrue(scheduler.block(on: queue, until: 10_000, cancellable: true))
        scheduler.switchToNext()
        scheduler.cancel(shell)
        XCTAssertEqual(shell.wakeReason, .cancelled)
        XCTAssertNil(scheduler.nextDeadline)
        XCTAssertTrue(queue.isEmpty)
        // clearCancel forgets a Ctrl-C that came between commands.
        scheduler.switchToNext()
        scheduler.cancel(shell)
        scheduler.clearCancel(shell)
        XCTAssertTrue(scheduler.block(on: queue, cancellable: true))
    }

    func testMutexIsHandedOverInOrder() {
        let mutex = ThreadMutex(name: "files")
        let a = thread("a", .shell)
        let b = thread("b", .shell)
        let c = thread("c", .background)
        scheduler.switchToNext()
        XCTAssertTrue(scheduler.lockOrBlock(mutex))
        XCTAssertTrue(mutex.owner === a)
        scheduler.block(on: nil, until: 5)  // a sleeps holding the mutex
        scheduler.switchToNext()
        XCTAssertTrue(scheduler.current === b)
        XCTAssertFalse(scheduler.tryLock(mutex))
        XCTAssertFalse(scheduler.lockOrBlock(mutex))
        scheduler.switchToNext()
        XCTAssertTrue(scheduler.current === c)
        XCTAssertFalse(scheduler.lockOrBlock(mutex))
        scheduler.switchToNext()
        scheduler.expire(now: 5)
        scheduler.switchToNext()
        XCTAssertTrue(scheduler.current === a)
        scheduler.unlock(mutex)
        XCTAssertTrue(mutex.owner === b, "the first waiter gets the mutex")
        XCTAssertEqual(b.state, .ready)
        scheduler.exitCurrent()
        scheduler.switchToNext()
        XCTAssertTrue(scheduler.current === b)
        scheduler.unlock(mutex)
        XCTAssertTrue(mutex.owner === c)
        XCTAssertFalse(scheduler.threads.contains { $0 === a })
    }
}
