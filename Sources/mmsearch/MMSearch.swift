import ArgumentParser

/// The root command: only help text and the subcommands.
struct MMSearch: ParsableCommand {
    static let version = "0.10.0"

    static let configuration = CommandConfiguration(
        commandName: "mmsearch",
        abstract: "Multimodal similarity search: index photos, then find them by text or by example.",
        discussion: """
            EXAMPLES
              mmsearch index ~/Pictures       index a folder (re-run: new/changed only)
              mmsearch query "a dog"          the files best matching a text
              mmsearch query ./cat.jpg -t 5   the 5 files most like an image
              mmsearch query "a beach" -f | xargs feh
              mmsearch query "a dog" + "in the snow" - ./cat.jpg
              mmsearch query ./photo.jpg --modality text   text passages about a photo
              mmsearch query "invoice 8841" --hybrid       also match words in names
              mmsearch label ./x.jpg --labels "cat,dog"    zero-shot labelling
              mmsearch label --all --labels "cat,dog"      label the index (query --label)
              mmsearch describe ./photo.jpg                words that fit a photo
              mmsearch dupes --threshold 0.97              near-duplicate groups
              mmsearch eval --qrels judgements.tsv         Recall@k, MRR, nDCG@10
              mmsearch embed "a dog" --json   the vector of a text
              mmsearch plugins                every encoder, and plugins that did not load
              mmsearch stats --failures       files that could not be indexed, and why
              mmsearch compact                drop the vectors of deleted and changed files
              mmsearch check                  verify the index (exit 1 when damaged)
              mmsearch repair                 mend it; `index` re-embeds lost vectors
              mmsearch models                 the model packs, their weights, the default
              mmsearch serve ~/Pictures --watch   web page and HTTP API at 127.0.0.1:7878
              mmsearch query "rain" --model clap-htsat   sounds by description
              mmsearch index ~/Pictures --store postgres://me@db/photos   a shared index
              mmsearch migrate --from ~/.local/share/mmsearch/index --to postgres://me@db/photos

            ENVIRONMENT
              MMSEARCH_STORE   where the index lives when --store and --index are not
                               given: postgres://user@host:port/database (a PostgreSQL
                               store) or a folder
              MMSEARCH_INDEX   index directory when --index is not given; default
                               $XDG_DATA_HOME/mmsearch/index or
                               ~/.local/share/mmsearch/index
              MMSEARCH_MODELS  model weights; default $XDG_CACHE_HOME/mmsearch/models or
                               ~/.cache/mmsearch/models (Scripts/fetch/models.py
                               lite|clip|clap; see `mmsearch models`)
              MMSEARCH_PLUGIN_PATH  colon-separated folders of plugin libraries (*.so),
                               searched after --plugin-dir and before
                               $XDG_DATA_HOME/mmsearch/plugins

            EXIT STATUS
              0    success
              1    finished, but some files (or the query file) could not be read
                   or embedded; each is reported on stderr as "path: reason";
                   `mmsearch check` found problems, or some remain after
                   `mmsearch repair`
              2    usage error: bad arguments or options, unknown --model pack,
                   query file missing or of a type the pack does not read, bad
                   query weight, empty or repeated labels, unknown --label,
                   unreadable labels or qrels file
              3    fatal: models missing, index missing or unreadable, index
                   damaged (run `mmsearch repair`), index built in another space
                   (model pack), index locked by another running `mmsearch index`
              130  interrupted (Ctrl-C); what was committed stays in the index
            """,
        version: version,
        subcommands: [IndexCommand.self, QueryCommand.self, EmbedCommand.self, PluginsCommand.self,
                      CompactCommand.self, StatsCommand.self, LabelCommand.self, DescribeCommand.self,
                      DupesCommand.self, EvalCommand.self, ModelsCommand.self, CheckCommand.self, RepairCommand.self,
                      ServeCommand.self, StoreCommand.self, MigrateCommand.self, SpacesCommand.self])
}
