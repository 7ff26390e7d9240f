"""The release artifact: what `nox -s build` checks in dist/ and what `nox -s release -- X.Y.Z` writes.

    python tools/release check-dist DIST [--release]   the archives hold what a service may pin;
                                                       --release: and they may be uploaded now
    python tools/release same DIR_A DIR_B              two builds are byte-identical (or: what differs)
    python tools/release source-date-epoch             the last commit's time, for SOURCE_DATE_EPOCH
    python tools/release cut X.Y.Z [--date D]          version and CHANGELOG for a release

Services install `xcover-offers==X.Y.Z` and never see this tree, so every check here reads the
built files themselves. This package runs inside nox sessions; it is not shipped. One module per job:

    tree          the project's facts from pyproject.toml, the version's one place, the tree as git sees it
    changelog     versions, and CHANGELOG.md read section by section
    dist          the wheel and sdist in dist/ (check-dist), and what uploading them asks (--release)
    reproducible  two builds compared byte for byte, naming the entries that differ (same)
    cut           setting the version and dating the CHANGELOG's Unreleased section (cut)
    cli           the commands above
"""
