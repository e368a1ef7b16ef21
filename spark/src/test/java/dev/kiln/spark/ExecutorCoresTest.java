package dev.kiln.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ExecutorCoresTest {

    @Test
    void spark_executor_cores_wins_and_is_capped_by_the_processors() {
        assertEquals(3, ExecutorCores.of("3", "yarn", 8));
        assertEquals(3, ExecutorCores.of("3", "local[6]", 8));
        assertEquals(8, ExecutorCores.of("16", "spark://host:7077", 8));
    }

    @Test
    void local_masters_give_their_task_threads() {
        assertEquals(1, ExecutorCores.of(null, "local", 8));
        assertEquals(2, ExecutorCores.of(null, "local[2]", 8));
        assertEquals(4, ExecutorCores.of(null, "local[4,3]", 8));
        assertEquals(8, ExecutorCores.of(null, "local[*]", 8));
        assertEquals(8, ExecutorCores.of(null, "local[*,2]", 8));
        assertEquals(2, ExecutorCores.of(null, "local[64]", 2));
        assertEquals(1, ExecutorCores.of(null, "local-cluster[2,1,1024]", 8));
        assertEquals(3, ExecutorCores.of(null, "local-cluster[2, 3, 512]", 8));
    }

    @Test
    void other_masters_give_the_jvms_processors() {
        assertEquals(8, ExecutorCores.of(null, "spark://host:7077", 8));
        assertEquals(8, ExecutorCores.of(" ", "k8s://https://host", 8));
        assertEquals(8, ExecutorCores.of(null, null, 8));
    }
}
