package org.cdcpipeline;

import java.util.Optional;
import java.util.function.Predicate;

import org.apache.camel.util.ObjectHelper;

/**
 * The cause chain of an exception, for the questions Camel's {@link ObjectHelper#getException(Class, Throwable)}
 * (a cause of a type, the deepest first) does not answer: the deepest cause, and the outermost cause with a property.
 * ({@link Throwable#getCause()} is null for an exception that is its own cause.)
 */
public final class Causes {

    private Causes() {
    }

    /** The deepest cause: beneath the wrappers, the one that says what happened. */
    public static Throwable root(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root;
    }

    /** The first exception of the chain, {@code e} itself first, that passes {@code test}. */
    public static Optional<Throwable> first(Throwable e, Predicate<Throwable> test) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (test.test(t)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
