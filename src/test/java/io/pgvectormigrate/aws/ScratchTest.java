package io.pgvectormigrate.aws;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;
class ScratchTest {
    @TempDir Path tmp;
    @Test void show() {
        World w = new World(tmp);
        System.out.println(w.run("plan", "--snapshot", World.SNAPSHOT, "--run-id", "r1"));
        System.out.println(w.run("capture", "--cluster", World.OLD_CLUSTER, "--stack", "BedrockChatStackBeforeDeploy", "--snapshot", "--run-id", "r1"));
        System.out.println(w.run("restore", "--snapshot", "pgvm-r1-capture", "--run-id", "r1"));
        System.out.println(w.run("status", "--run-id", "r1"));
        System.out.println(w.run("cleanup", "--run-id", "r1"));
        System.out.println(w.run("cleanup", "--run-id", "r1", "--yes"));
        System.out.println(w.run("cleanup", "--run-id", "r1", "--yes"));
        System.out.println(w.run("status", "--run-id", "r1", "--discover"));
    }
}
