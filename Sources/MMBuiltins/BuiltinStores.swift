import Foundation
import MMEmbeddedStore
import MMSearchKit

/// The stores an index can live in, for programs that should not depend on one: today the
/// embedded store (a folder), opened here so that a command line names an index by location
/// only.
public enum BuiltinStores {
    /// The index at `location`: a folder holding (or to hold) an embedded index. Opens nothing
    /// until an operation needs it.
    public static func index(at location: URL) -> Index {
        Index.embedded(at: location)
    }
}
