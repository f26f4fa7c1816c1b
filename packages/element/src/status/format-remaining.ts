/** Formats the time left until `at` as "42 s", "3 min 5 s" or "1 h 2 min"; "0 s" once past. */
export function formatRemaining(at: number, now: number): string {
  const total = Math.max(0, Math.ceil((at - now) / 1000));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  if (minutes < 60) return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
  const hours = Math.floor(minutes / 60);
  const restMinutes = minutes % 60;
  return restMinutes === 0 ? `${hours} h` : `${hours} h ${restMinutes} min`;
}
