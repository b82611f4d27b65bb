/// Cancellation and progress for long attributions: methods check `isCancelled` between batched passes
/// and report the fraction done.
public struct RunControl: Sendable {
    public var isCancelled: @Sendable () -> Bool
    public var progress: @Sendable (_ fraction: Double, _ message: String) -> Void

    public init(isCancelled: @escaping @Sendable () -> Bool = { false },
                progress: @escaping @Sendable (_ fraction: Double, _ message: String) -> Void = { _, _ in }) {
        self.isCancelled = isCancelled
        self.progress = progress
    }

    public static let none = RunControl()

    func checkCancelled() throws {
        if isCancelled() { throw AttributionError.cancelled }
    }
}
