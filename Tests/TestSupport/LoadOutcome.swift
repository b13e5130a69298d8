/// What `load` throws, as its description, or "loaded" when it throws nothing: for comparing a
/// loader's error with the message a test expects.
public func loadOutcome(_ load: () throws -> Void) -> String {
    do {
        try load()
        return "loaded"
    } catch {
        return "\(error)"
    }
}
