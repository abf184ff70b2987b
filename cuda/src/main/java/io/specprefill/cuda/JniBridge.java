package io.specprefill.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loads one of our JNI bridges (libspcublas.so, libspcudnn.so): a shared object inside the jar is
 * copied to a temporary file, since System.load needs a path, and loaded from there. The bridge
 * itself links to nothing of CUDA; it dlopens the NVIDIA library afterwards.
 */
final class JniBridge {
    private JniBridge() {
    }

    /**
     * Loads {@code resource} (found beside {@code owner}) for {@code library} ("cuBLAS", "cuDNN");
     * null when it loaded, else why not.
     */
    static String load(Class<?> owner, String resource, String library) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                return "the " + library + " JNI bridge " + resource + " is not in this jar (it is built with gcc on"
                        + " Linux x86-64; this build had none)";
            }
            String file = resource.substring(resource.lastIndexOf('/') + 1);
            Path tmp = Files.createTempFile("specprefill-" + file.substring(3, file.indexOf('.')), ".so");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            System.load(tmp.toString());
            return null;
        } catch (IOException | UnsatisfiedLinkError e) {
            return "cannot load the " + library + " JNI bridge: " + e;
        }
    }
}
