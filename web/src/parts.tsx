/** Small pieces every list page shows. */
export function ErrorNote({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p role="alert" className="error">
      {message}
    </p>
  );
}

export function LoadMore({ more }: { more?: () => void }) {
  if (!more) return null;
  return (
    <button type="button" onClick={more}>
      Load more
    </button>
  );
}
