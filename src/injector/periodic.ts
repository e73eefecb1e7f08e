/**
 * Runs `task` every `intervalMs`, never two at once (a slow API server or disk makes a run outlast
 * the interval), without keeping the process alive. A failed run goes to `onError` and the next one
 * runs as planned. Returns the function that stops it.
 */
export function repeatEvery(
  intervalMs: number,
  task: () => Promise<void>,
  onError: (error: unknown) => void,
): () => void {
  let running = false
  const timer = setInterval(async () => {
    if (running) return
    running = true
    try {
      await task()
    } catch (error) {
      onError(error)
    } finally {
      running = false
    }
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
