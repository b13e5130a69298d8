/// The built-in vocabulary `mmsearch describe` matches an image against (see
/// `Engine.describe`): common concrete English nouns and noun phrases.
public enum DescribeVocabulary {}
