module dev.kiln.runtime {
    requires transitive dev.kiln.api;
}
