import MMSearchKit

/// The 1000 ImageNet-1k class names in index order (the order of EfficientNet-Lite0's logits),
/// one short human name per class: the resource `imagenet-classes.txt`, written by
/// Scripts/generate/imagenet_classes.py.
public enum ImageNetClassNames {
    /// Reads the names; a missing or damaged resource is an error that says so.
    public static func load() throws -> [String] {
        try PackageResource("imagenet-classes.txt", module: "MMEfficientNet").lines()
    }
}
