package io.specprefill.udf.llama;

/** Providers registered only on the test class path, to exercise {@link Backends} selection. */
public final class TestBackendProviders {
    private TestBackendProviders() {
    }

    /** Never available. */
    public static final class Unavailable implements BackendProvider {
        @Override
        public String name() {
            return "test-unavailable";
        }

        @Override
        public boolean available() {
            return false;
        }

        @Override
        public String unavailableReason() {
            return "test provider: no device";
        }

        @Override
        public Backend create(int deviceOrdinal) {
            throw new IllegalStateException("test provider: no device");
        }
    }

    /** Always available; hands out CPU backends. */
    public static final class Available implements BackendProvider {
        @Override
        public String name() {
            return "test-cpu";
        }

        @Override
        public boolean available() {
            return true;
        }

        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public Backend create(int deviceOrdinal) {
            return new CpuBackend();
        }
    }
}
