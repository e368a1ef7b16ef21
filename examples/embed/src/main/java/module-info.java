/** An application embedding Kiln. On the module path the built-in plugins are found through the runtime's {@code uses}. */
module dev.kiln.examples.embed {
    requires dev.kiln.runtime;
}
